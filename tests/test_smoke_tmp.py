def test_smoke(browser):
    for v in ["ticket","grid","worker","partyorg","partymember","meeting","volunteerteam","volunteer","servicerecord","category","source","department"]:
        r = browser.get(f"/admin/{v}/")
        print(v, r.status_code)
        r = browser.get(f"/admin/{v}/new/")
        print(v, r.status_code)
    r = browser.get("/admin/ticket/")
    print(r.get_data(as_text=True)[:3000])
