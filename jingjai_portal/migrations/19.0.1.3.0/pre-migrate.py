"""The view log becomes the visit log: ``jingjai.portal.link.view`` is now
``jingjai.portal.link.visit``.

"View" is what Odoo calls its UI definitions (``ir.ui.view``); next to them
``jingjai_portal_link_view_view_list`` read as nonsense. The model, its table,
its fields, its access rules, its cron and the link's one2many are renamed in
place before the module loads, so that every row, id and xmlid is kept: no
visit of the audit trail is copied, dropped or renumbered, and saved filters,
exports and the cron keep working. Run once: nothing happens when the old
table is gone.
"""

import logging

_logger = logging.getLogger(__name__)

OLD_MODEL, NEW_MODEL = "jingjai.portal.link.view", "jingjai.portal.link.visit"
OLD_TABLE, NEW_TABLE = "jingjai_portal_link_view", "jingjai_portal_link_visit"

# (old, new) xmlid names of the module; fields are handled by prefix below.
XMLIDS = (
    ("model_jingjai_portal_link_view", "model_jingjai_portal_link_visit"),
    ("jingjai_portal_link_view_view_list", "view_jingjai_portal_link_visit_list"),
    ("jingjai_portal_link_view_list", "view_jingjai_portal_link_list"),
    ("jingjai_portal_link_view_form", "view_jingjai_portal_link_form"),
    ("jingjai_portal_link_view_search", "view_jingjai_portal_link_search"),
    (
        "access_jingjai_portal_link_view_salesman",
        "access_jingjai_portal_link_visit_salesman",
    ),
    (
        "access_jingjai_portal_link_view_invoice",
        "access_jingjai_portal_link_visit_invoice",
    ),
    ("jingjai_portal_link_view_rule_company", "jingjai_portal_link_visit_rule_company"),
    (
        "jingjai_portal_link_view_rule_salesman_documents",
        "jingjai_portal_link_visit_rule_salesman_documents",
    ),
    ("jingjai_portal_link_view_rule_all", "jingjai_portal_link_visit_rule_all"),
    ("ir_cron_anonymise_link_views", "ir_cron_anonymise_link_visits"),
    (
        "ir_cron_anonymise_link_views_ir_actions_server",
        "ir_cron_anonymise_link_visits_ir_actions_server",
    ),
    ("field_jingjai_portal_link__view_ids", "field_jingjai_portal_link__visit_ids"),
)
OLD_CRON_CALL, NEW_CRON_CALL = "_cron_anonymise_old_views", "_cron_anonymise_old_visits"


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT to_regclass(%s), to_regclass(%s)", [OLD_TABLE, NEW_TABLE])
    old_table, new_table = cr.fetchone()
    if old_table is None or new_table is not None:
        return
    _rename_table(cr)
    _rename_model(cr)
    _rename_xmlids(cr)
    _logger.info("%s renamed to %s, every row kept", OLD_MODEL, NEW_MODEL)


def _rename_table(cr):
    cr.execute(f'ALTER TABLE "{OLD_TABLE}" RENAME TO "{NEW_TABLE}"')
    # Its sequence, constraints and indexes too, or Odoo would add duplicates
    # under the names it expects for the new table.
    cr.execute(
        "SELECT c.relname, c.relkind FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname LIKE %s"
        " AND c.relkind IN ('S', 'i')",
        [OLD_TABLE.replace("_", "\\_") + "%"],
    )
    for name, kind in cr.fetchall():
        new_name = NEW_TABLE + name[len(OLD_TABLE) :]
        what = "SEQUENCE" if kind == "S" else "INDEX"
        # Primary-key and unique indexes carry a constraint of the same name:
        # renaming the index renames it as well.
        cr.execute(f'ALTER {what} "{name}" RENAME TO "{new_name}"')
    cr.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND conname LIKE %s",
        [NEW_TABLE, OLD_TABLE.replace("_", "\\_") + "%"],
    )
    for (name,) in cr.fetchall():
        new_name = NEW_TABLE + name[len(OLD_TABLE) :]
        cr.execute(
            f'ALTER TABLE "{NEW_TABLE}" RENAME CONSTRAINT "{name}" TO "{new_name}"'
        )
    # Odoo's own record of the foreign keys it made, used at uninstall.
    cr.execute(
        "UPDATE ir_model_constraint SET name = %s || substr(name, %s)"
        " WHERE name LIKE %s",
        [NEW_TABLE, len(OLD_TABLE) + 1, OLD_TABLE.replace("_", "\\_") + "%"],
    )


def _rename_model(cr):
    for query in (
        "UPDATE ir_model SET model = %(new)s WHERE model = %(old)s",
        "UPDATE ir_model_fields SET model = %(new)s WHERE model = %(old)s",
        "UPDATE ir_model_fields SET relation = %(new)s WHERE relation = %(old)s",
        "UPDATE ir_model_data SET model = %(new)s WHERE model = %(old)s",
        "UPDATE ir_ui_view SET model = %(new)s WHERE model = %(old)s",
        "UPDATE ir_filters SET model_id = %(new)s WHERE model_id = %(old)s",
        "UPDATE ir_exports SET resource = %(new)s WHERE resource = %(old)s",
    ):
        cr.execute(query, {"old": OLD_MODEL, "new": NEW_MODEL})
    cr.execute(
        "UPDATE ir_model_fields SET name = 'visit_ids'"
        " WHERE model = 'jingjai.portal.link' AND name = 'view_ids'"
    )
    # The cron is noupdate: its code is the business's, the call in it is ours.
    cr.execute(
        "UPDATE ir_act_server SET code = replace(code, %s, %s)"
        " WHERE code LIKE %s AND model_id = (SELECT id FROM ir_model WHERE model = %s)",
        [OLD_CRON_CALL, NEW_CRON_CALL, f"%{OLD_CRON_CALL}%", NEW_MODEL],
    )


def _rename_xmlids(cr):
    for old, new in XMLIDS:
        cr.execute(
            "UPDATE ir_model_data SET name = %s"
            " WHERE module = 'jingjai_portal' AND name = %s",
            [new, old],
        )
    old_prefix = "field_" + OLD_TABLE + "__"
    cr.execute(
        "UPDATE ir_model_data SET name = %s || substr(name, %s)"
        " WHERE module = 'jingjai_portal' AND name LIKE %s",
        [
            "field_" + NEW_TABLE + "__",
            len(old_prefix) + 1,
            old_prefix.replace("_", "\\_") + "%",
        ],
    )
    # Selection values of the log's link_state field.
    old_prefix = "selection__" + OLD_TABLE + "__"
    cr.execute(
        "UPDATE ir_model_data SET name = %s || substr(name, %s)"
        " WHERE module = 'jingjai_portal' AND name LIKE %s",
        [
            "selection__" + NEW_TABLE + "__",
            len(old_prefix) + 1,
            old_prefix.replace("_", "\\_") + "%",
        ],
    )
