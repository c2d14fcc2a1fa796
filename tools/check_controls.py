"""Remove one security control at a time, run the tests that guard it, put the file back.

    .venv/bin/python tools/check_controls.py [name filter ...]

Prints CAUGHT (a test failed, as it must) or MISSED for each control; "pattern not found" means
the code moved on and the entry needs updating. Not part of the suite: it edits source files.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
M = [
 ("CSP script-src loosened", "app/security.py", '''"script-src": "'self'",''', '''"script-src": "'self' 'unsafe-inline'",''', "tests/views/test_security_headers.py"),
 ("nosniff header dropped", "app/security.py", '''    "X-Content-Type-Options": "nosniff",\n''', "", "tests/views/test_security_headers.py"),
 ("no-store dropped", "app/security.py", '''        headers.add("Cache-Control", "no-store")''', "        pass", "tests/views/test_security_headers.py"),
 ("ProxyFix dropped", "app/security.py", "        app.wsgi_app = ProxyFix(", "        ProxyFix(", "tests/views/test_security_headers.py"),
 ("Secure cookie flag ignored", "app/security.py", '''    app.config["SESSION_COOKIE_SECURE"] = secure''', '''    app.config["SESSION_COOKIE_SECURE"] = False''', "tests/views/test_security_headers.py"),
 ("HttpOnly off", "app/config.py", '''"SESSION_COOKIE_HTTPONLY": True''', '''"SESSION_COOKIE_HTTPONLY": False''', "tests/views/test_security_headers.py"),
 ("a blueprint exempt from CSRF", "app/views/__init__.py", "    csrf.exempt(open311.bp)\n", "    csrf.exempt(open311.bp)\n    csrf.exempt(points.bp)\n", "tests/views/test_access_matrix.py"),
 ("ended sessions still load", "app/sessions.py", "if not found or found[0].ended_at is not None:", "if not found:", "tests/views/test_sessions.py"),
 ("deactivation not checked", "app/sessions.py", '''    if not user.active:\n        return "deactivated"\n''', "", "tests/views/test_sessions.py"),
 ("no rotation at sign-in", "app/auth.py", "    session.clear()\n    if language:", "    if language:", "tests/views/test_sessions.py"),
 ("idle timeout off", "app/sessions.py", '''    if at - record.last_seen_at > idle:''', '''    if False:''', "tests/views/test_sessions.py"),
 ("absolute timeout off", "app/sessions.py", '''    if at - record.created_at > longest:''', '''    if False:''', "tests/views/test_sessions.py"),
 ("password change keeps other sessions", "app/accounts.py", '''    sessions.end_all(user.id, at, "password", keep=keep_session)''', "", "tests/views/test_sessions.py"),
 ("CSRF expires after an hour", "app/config.py", '''"WTF_CSRF_TIME_LIMIT": None''', '''"WTF_CSRF_TIME_LIMIT": 3600''', "tests/views/test_sessions.py"),
 ("sign-out leaves the CSRF token", "app/auth.py", "    logout_user()\n    session.clear()\n", "    logout_user()\n", "tests/views/test_sessions.py"),
 ("lock-out off", "app/auth.py", "        if row.locked_until is not None and row.locked_until > at:\n            return row.locked_until", "        pass", "tests/views/test_passwords_and_lockout.py"),
 ("sign-in attempts not counted", "app/auth.py", "    locked_until = begin_attempt(user, at) if user is not None else None", "    locked_until = None", "tests/views/test_passwords_and_lockout.py"),
 ("per-address sign-in limit off", "app/auth.py", "        if address_refused:", "        if False:", "tests/views/test_address_limits.py"),
 ("successful sign-ins count against the address", "app/auth.py", "                take_back_failure(counters, at)\n", "", "tests/views/test_address_limits.py"),
 ("no account+address count", "app/auth.py", "        address_refused, pair_refused = count_failure(counters, at)", "        address_refused, pair_refused = count_failure(counters, at)[0], False", "tests/views/test_address_limits.py"),
 ("locked account answered apart", "app/auth.py", "            error, status = str(REFUSED), 400", "            error, status = (str(REFUSED), 400) if reason == \"failed\" else (reason, 429)", "tests/views/test_passwords_and_lockout.py"),
 ("locked path skips the hash", "app/auth.py", "        check_password(None, password)\n", "", "tests/views/test_passwords_and_lockout.py"),
 ("password rules skipped when set", "app/accounts.py", "    check_password_rules(password, username=username, name=name)\n    return {", "    return {", "tests/views/test_admin_passwords.py"),
 ("admin form skips the rules", "app/views/admin.py", "            check_password_rules(password, username=username, name=fields[\"name\"])", "            pass", "tests/views/test_admin_passwords.py"),
 ("admin-set password not flagged", "app/accounts.py", '"must_change_password": bool(by_admin)', '"must_change_password": False', "tests/views/test_admin_passwords.py"),
 ("no change forced at sign-in", "app/auth.py", "    app.before_request(own_password_first)\n", "", "tests/views/test_admin_passwords.py"),
 ("next= off-site followed", "app/inputs.py", '    if not text.startswith("/") or text.startswith("//") or REFUSED.search(text):', '    if not text.startswith("/"):', "tests/views/test_redirects.py"),
 ("tabs and newlines kept in next=", "app/inputs.py", '    text = STRIPPED.sub("", target or "") if isinstance(target, str) else ""', '    text = target or ""', "tests/views/test_redirects.py"),
 ("request text not cleaned", "app/__init__.py", "    inputs.init_app(app)\n", "", "tests/views/test_control_characters.py"),
 ("XML written with control characters", "app/open311.py", "            child.text = xml_safe(str(value))", "            child.text = str(value)", "tests/views/test_control_characters.py"),
 ("borrowed request key replayed", "workflows/service.py", "    if done.case_id != case.id or done.event != event or not same_actor:", "    if done.case_id != case.id:", "tests/unit/test_idempotency_keys.py tests/views/test_intake_twins.py"),
 ("gunicorn trusts the loopback", "gunicorn.conf.py", 'forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")', 'forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")', "tests/views/test_forwarded_headers.py"),
 ("tracking pages unlimited", "app/views/public.py", "    if request.endpoint not in TRACKING:\n        return None", "    return None", "tests/views/test_read_limits.py"),
 ("Open311 reading unlimited", "app/views/open311.py", "    if request.method in (\"GET\", \"HEAD\"):\n        open311.limit_reading(now())", "    pass", "tests/views/test_read_limits.py"),
 ("no Retry-After from Open311", "app/views/open311.py", '        response.headers["Retry-After"] = str(error.retry_after)', "        pass", "tests/views/test_read_limits.py"),
 ("minimum length 4", "app/accounts.py", "MIN_PASSWORD = 8", "MIN_PASSWORD = 4", "tests/views/test_passwords_and_lockout.py"),
 ("no common-password check", "app/accounts.py", "    if folded in common_passwords():", "    if False:", "tests/views/test_passwords_and_lockout.py"),
 ("history triggers not created", "app/migrations/0002_history_guards.py", "    for statement in _statements(db):\n        db.execute_sql(statement)", "    pass", "tests/unit/test_history_integrity.py tests/views/test_backup_restore.py"),
 ("row hash not checked", "workflows/history.py", "        if event_hash(case_id, row, row.prev_hash) != row.hash:", "        if False:", "tests/unit/test_history_integrity.py tests/views/test_backup_restore.py"),
 ("final state not checked", "workflows/history.py", "    if previous_state != state:", "    if False:", "tests/unit/test_history_integrity.py"),
 ("restore skips verification", "app/cli.py", "    if not report.ok:\n        for line in report.lines():\n            click.echo(line)\n        raise click.ClickException(f\"{path} does not verify; nothing was restored\")", "", "tests/views/test_backup_restore.py"),
 ("503 handler dropped", "app/views/__init__.py", "    app.register_error_handler(OperationalError, _database_unavailable)\n", "", "tests/views/test_faults.py"),
 ("500 handler dropped", "app/views/__init__.py", "    app.register_error_handler(500, _internal_error)\n", "", "tests/views/test_faults.py"),
 ("event outside a transaction", "workflows/service.py", "        with write_transaction():\n            fresh = LOCKED_CASE", "        with __import__('contextlib').nullcontext():\n            fresh = LOCKED_CASE", "tests/views/test_faults.py tests/unit/test_data_safety.py"),
 ("request key not re-checked under the lock", "workflows/service.py", "            done = event_by_key(request_key)\n", "            done = None\n", "tests/unit/test_data_safety.py"),
 ("version guard dropped", "workflows/service.py", "                if expected_version is not None and int(expected_version) != fresh.version:", "                if False:", "tests/unit/test_data_safety.py"),
 ("case page without its scope check", "app/views/cases.py", "    if not found or not rules.can_view(current_user, found[0]):\n        abort(404)", "    if not found:\n        abort(404)", "tests/views/test_access_matrix.py"),
 ("photos served without a scope check", "app/views/attachments.py", "    if item is None or not rules.can_view(current_user, item.case):", "    if item is None:", "tests/views/test_access_matrix.py"),
 ("notices readable out of scope", "app/views/notices.py", "    if notice is None or not notices.can_see(current_user, notice):", "    if notice is None:", "tests/views/test_access_matrix.py"),
 ("grid boards out of reach", "app/views/boards.py", "    unit = grid_by_code(code)\n    if unit is None or not reaches(viewer(), unit):", "    unit = grid_by_code(code)\n    if unit is None:", "tests/views/test_access_matrix.py"),
 ("card answered after its case left the viewer's scope", "app/views/cases.py", "    elif not rules.can_view(current_user, case):\n        case = None\n", "", "tests/views/test_ui_card_actions.py"),
 ("card loaded without its scope check", "app/views/boards.py", "    return found[0] if found and can_view(user, found[0]) else None", "    return found[0] if found else None", "tests/views/test_ui_card_actions.py"),
 ("department board shows any grid", "app/views/boards.py", "        if unit is None or not department_grid_in_reach(current_user, dept, unit):", "        if unit is None:", "tests/views/test_access_matrix.py"),
 ("stats lists any group", "app/views/stats.py", "    if group is None and dimension != \"total\":", "    if False:", "tests/views/test_access_matrix.py"),
 ("ranking links every row", "templates/stats/rankings.html", "{% if row.id in openable[kind] %}<a", "{% if true %}<a", "tests/views/test_access_matrix.py"),
 ("worklog of anyone", "app/views/worklog.py", "    if person.id != current_user.id and (current_user.role not in OVERSEERS", "    if False and (current_user.role not in OVERSEERS", "tests/views/test_access_matrix.py"),
 ("points of any community", "app/views/points.py", "    for community in scope_communities(current_user):", "    for community in __import__('workflows.models', fromlist=['OrgUnit']).OrgUnit.select():", "tests/views/test_access_matrix.py"),
 ("intake in any grid", "app/views/intake.py", "    if grid is None or not reaches(current_user, grid):", "    if grid is None:", "tests/views/test_access_matrix.py"),
 ("intake key ignored", "app/views/intake.py", "intake_key=key, attachments=before,", "intake_key=None, attachments=before,", "tests/views/test_intake_twins.py"),
 ("losing twin's photos kept", "app/views/intake.py", "    discard([item for item in stored if item[\"path\"] not in recorded])", "    pass", "tests/views/test_intake_twins.py"),
 ("intake key hands out another's case", "workflows/service.py", "    if existing.grid_id != grid.id or existing.created_by_id != _id(_user(actor)):", "    if False:", "tests/views/test_intake_twins.py tests/unit/test_idempotency_keys.py"),
 ("handlers see contacts", "workflows/rules.py", '''    if role == "dispatcher":\n        return in_org(actor, case)\n    return False''', '''    if role == "dispatcher":\n        return in_org(actor, case)\n    return role == "handler"''', "tests/unit/test_contact_rule.py"),
 ("case page shows contacts to everyone", "templates/cases/show.html", "{% if can_see_contact(current_user, case) %}<dd", "{% if true %}<dd", "tests/views/test_personal_data.py"),
 ("cards show the reporter's phone", "templates/boards/_card.html", "{{ case.title }}", "{{ case.title }} {{ case.reporter_phone }}", "tests/views/test_personal_data.py"),
 ("mask shows everything", "app/templating.py", '''        return f"{text[:3]}****{text[-4:]}"''', '''        return text''', "tests/views/test_masking.py"),
 ("unanswered htmx requests silent", "static/js/app.js", '    document.body.addEventListener("htmx:responseError", onResponseError);\n', "", "tests/e2e/test_unanswered_requests.py"),
 ("network failures silent", "static/js/app.js", '    document.body.addEventListener("htmx:sendError", onSendError);\n', "", "tests/e2e/test_unanswered_requests.py"),
 ("favicon not linked", "templates/base.html", "  <link rel=\"icon\" href=\"{{ url_for('static', filename='favicon.svg') }}\" type=\"image/svg+xml\">\n", "", "tests/views/test_account_page.py"),
 ("no sign-out-everywhere button", "templates/auth/password.html", '<input type="hidden" name="everywhere" value="1">', "", "tests/views/test_account_page.py"),
 ("no request size limit", "app/__init__.py", '    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_PHOTOS"] * app.config["MAX_PHOTO_BYTES"] + 1024 * 1024\n', "", "tests/views/test_uploads.py"),
 ("uploads stored as sent", "app/uploads.py", "    full = _save(image, os.path.join(folder, path))", "    full = data\n    with open(os.path.join(folder, path), \"wb\") as handle:\n        handle.write(data)", "tests/views/test_uploads.py"),
 ("uploads named as sent", "app/uploads.py", "    name = secrets.token_hex(16)", "    name = os.path.basename(storage.filename or \"x\").rsplit(\".\", 1)[0] or secrets.token_hex(16)", "tests/views/test_uploads.py"),
 ("unjustified nosec", "app/seed.py", "# nosec B311 # reproducible demo data, not a secret", "# nosec B311", "tests/unit/test_bandit.py"),
 ("bandit finding", "app/integrity.py", "  # nosec B603 # no shell", "", "tests/unit/test_bandit.py"),
 ("workflow page strict (Mermaid blocked)", "app/views/workflow.py", '''@relax_csp(style_src="'self' 'unsafe-inline'")\n''', "", "tests/e2e/test_csp.py tests/views/test_security_headers.py"),
]
only = sys.argv[1:]
for name, path, old, new, tests in M:
    if only and not any(o in name for o in only):
        continue
    full = f"{ROOT}/{path}"
    text = open(full).read()
    if old not in text:
        print(f"?? {name}: pattern not found"); continue
    open(full, "w").write(text.replace(old, new, 1))
    try:
        r = subprocess.run([f"{ROOT}/.venv/bin/python", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests.split()],
                           cwd=ROOT, capture_output=True, text=True)
        failed = [l for l in r.stdout.splitlines() if l.startswith("FAILED") or l.startswith("ERROR")]
        print(f"{'CAUGHT' if r.returncode else 'MISSED'} {name}: {failed[:1] or r.stdout.splitlines()[-1:]}", flush=True)
    finally:
        open(full, "w").write(text)
