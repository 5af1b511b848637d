"""Make one portal link per demo record and print them (run by scripts/demo).

Runs inside ``odoo shell``, which provides ``env``::

    python3 -m odoo shell -d jingjai_demo --addons-path=... --no-http \
        < scripts/demo_links.py

It sets ``web.base.url`` (frozen, so the first browser visit does not change
it), then calls the add-on's integrator API
``env["jingjai.portal.link"].generate(res_model, res_id)`` for every demo
customer, quote (draft/sent) and posted customer invoice that the
``jingjai_portal`` module's demo data created, commits, and prints the links.

Environment: ``JINGJAI_DEMO_BASE_URL`` (default http://127.0.0.1:8069),
``JINGJAI_DEMO_LINKS_FILE`` (write the block there instead of printing it).
"""

import os
import sys

MODULE = "jingjai_portal"
LINK_MODEL = "jingjai.portal.link"
BASE_URL = os.environ.get("JINGJAI_DEMO_BASE_URL", "http://127.0.0.1:8069")
LINKS_FILE = os.environ.get("JINGJAI_DEMO_LINKS_FILE")


def fail(message):
    print(f"ERROR: {message}", flush=True)
    raise SystemExit(2)


def demo_records(env, model):
    """Records of `model` that the module's own demo data created."""
    ids = (
        env["ir.model.data"]
        .search([("module", "=", MODULE), ("model", "=", model)])
        .mapped("res_id")
    )
    return env[model].browse(ids).exists()


def scopes(env):
    """(label, model, records, describe) for each kind of link."""
    # The demo's customers: not the company's own address, not the partners
    # of the demo office's staff (users).
    partners = demo_records(env, "res.partner").filtered(
        lambda p: p.active
        and not p.parent_id
        and not p.user_ids
        and p not in env["res.company"].search([]).partner_id
    )
    quotes = demo_records(env, "sale.order").filtered(
        lambda o: o.state in ("draft", "sent")
    )
    invoices = demo_records(env, "account.move").filtered(
        lambda m: m.move_type == "out_invoice" and m.state == "posted"
    )
    return [
        ("Customer-wide", "res.partner", partners, lambda r: r.display_name),
        (
            "Quote",
            "sale.order",
            quotes,
            lambda r: f"{r.name}  {r.partner_id.display_name}",
        ),
        (
            "Invoice",
            "account.move",
            invoices,
            lambda r: f"{r.name}  {r.partner_id.display_name}",
        ),
    ]


def main(env):
    db = env.cr.dbname
    module = env["ir.module.module"].search([("name", "=", MODULE)])
    if not module or module.state != "installed":
        fail(
            f"the {MODULE} add-on is not installed in database {db!r} "
            f"(state: {module.state if module else 'unknown module'}). "
            "scripts/demo installs it with its demo data."
        )
    if LINK_MODEL not in env:
        fail(f"model {LINK_MODEL} is missing although {MODULE} is installed.")
    if not hasattr(env[LINK_MODEL], "generate"):
        fail(f"{LINK_MODEL} has no generate() method (the integrator API).")

    params = env["ir.config_parameter"].sudo()
    params.set_param("web.base.url", BASE_URL)
    params.set_param("web.base.url.freeze", "True")

    # Generate as the administrator, as a staff member would from the UI.
    admin = env.ref("base.user_admin", raise_if_not_found=False)
    link_env = env(user=admin.id) if admin else env
    links = link_env[LINK_MODEL]

    rows, warnings = [], []
    for label, model, records, describe in scopes(env):
        if model not in env:
            warnings.append(f"{label}: model {model} is not installed")
            continue
        if not records:
            warnings.append(
                f"{label}: no demo record from {MODULE} (no link for this scope)"
            )
            continue
        for record in records:
            try:
                with env.cr.savepoint():
                    result = links.generate(model, record.id)
            except Exception as error:  # report it and go on with the others
                warnings.append(f"{label} {describe(record)}: {error}")
                continue
            rows.append((label, describe(record), result["url"], result["expires_at"]))
    env.cr.commit()

    if not rows:
        for line in warnings:
            print(f"WARNING: {line}")
        fail(f"no portal link could be made from the demo data of {MODULE}.")

    label_w = max(len(r[0]) for r in rows)
    name_w = max(len(r[1]) for r in rows)
    out = [
        "",
        f"Jingjai portal demo links (database {db}):",
        "",
    ]
    for label, name, url, _expires_at in rows:
        out.append(f"  {label:<{label_w}}  {name:<{name_w}}  {url}")
    expiries = sorted({str(r[3])[:10] for r in rows})
    out.append("")
    out.append(f"  (valid until {', '.join(expiries)} UTC; open them logged out)")
    for line in warnings:
        out.append(f"  WARNING: {line}")
    out += [
        "",
        f"Back office: {BASE_URL}/odoo   login: admin   password: admin",
        "  or the demo office's staff (login = password): napat (sales, Thai),",
        "  pimchanok (accounts, English)",
        "",
    ]
    text = "\n".join(out)
    if LINKS_FILE:
        with open(LINKS_FILE, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text, flush=True)


if "env" not in globals():
    print(
        "ERROR: run this through `odoo shell`, e.g.\n"
        "  python3 -m odoo shell -d jingjai_demo --addons-path=... --no-http "
        "< scripts/demo_links.py\n"
        "or simply run scripts/demo.",
        file=sys.stderr,
    )
    raise SystemExit(2)

main(env)  # noqa: F821 - `env` is provided by odoo shell
