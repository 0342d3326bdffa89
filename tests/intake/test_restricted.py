"""A report of sexual violence is restricted from the moment it arrives by SMS."""

from tests.intake.conftest import cases


def test_sms_report_of_sexual_violence_is_hidden_from_other_officers(db, sms, login_as, make_user):
    sms("3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. Aidez-nous")
    [case] = cases(db)
    assert case.category is None and case.suggested_category == "SA-SGBV"
    officer, _ = login_as("officer")
    assert officer.get(f"/cases/{case.reference}").status_code == 403
    assert case.reference not in officer.get("/cases").get_data(as_text=True)
    admin, _ = login_as("admin")
    assert admin.get(f"/cases/{case.reference}").status_code == 403
    supervisor, _ = login_as("supervisor")
    assert supervisor.get(f"/cases/{case.reference}").status_code == 200
