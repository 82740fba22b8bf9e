from dialer import create_app

app = create_app()
