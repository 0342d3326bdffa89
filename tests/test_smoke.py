def test_healthz(app, client):
    app.config.update(MAIL_SERVER="smtp.example.org")  # TWILIO_ACCOUNT_SID: tests/conftest.py
    assert client.get("/healthz").json == {
        "status": "ok",
        "database": "ok",
        "email": "ok",
        "sms": "ok",
    }


def test_login_then_queue(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case(title="Barrière de Mushaki")
    page = client.get("/cases")
    assert page.status_code == 200
    assert case.reference in page.get_data(as_text=True)
