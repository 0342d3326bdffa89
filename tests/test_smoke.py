def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_login_then_queue(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case(title="Barrière de Mushaki")
    page = client.get("/cases")
    assert page.status_code == 200
    assert case.reference in page.get_data(as_text=True)
