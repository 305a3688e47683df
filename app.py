"""Start gridadmin: `python app.py` (production server), or `flask --app app run`."""

from gridadmin import create_app

app = create_app()

if __name__ == "__main__":
    from gridadmin.serve import main

    main(app)
