"""The mask_phone filter the case pages and exports use for people who may not see a contact."""
import pytest

from app.templating import mask_phone


@pytest.mark.parametrize("phone, shown", [
    ("13812340000", "138****0000"),
    ("0571-88881234", "057****1234"),
    ("1234567", "****67"),
    ("12", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(phone, shown):
    assert mask_phone(phone) == shown


def test_the_filter_and_the_rule_are_available_to_templates(app, app_world):
    from flask_login import login_user

    from tests.factories import new_case

    case = new_case(app_world, reporter_phone="13812340000")
    template = app.jinja_env.from_string(
        "{{ case.reporter_phone if can('case.contact', case) else case.reporter_phone | mask_phone }}")
    for user, shown in ((app_world.community, "13812340000"), (app_world.handler, "138****0000")):
        with app.test_request_context():
            user.session_token = "t"
            login_user(user)
            assert template.render(case=case) == shown
