from odoo import api, models, tools

# What decides whether a company has a provider that may be offered at all.
ENABLED_STATES = ("enabled", "test")


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    @api.model
    @tools.ormcache("company_id")
    def _jingjai_portal_company_has_enabled(self, company_id):
        """Whether ``company_id`` has any enabled provider (test mode included).

        Every link page asks it before Odoo's ``_get_compatible_providers``:
        most businesses have none, and the question then costs no query (Odoo
        would search providers, check the currency and company, convert the
        amount and search payment methods on every page). Kept until a
        provider is created, changed or deleted.
        """
        # sudo: a yes or no for anonymous pages, the same for every reader.
        Provider = self.env["payment.provider"].sudo()
        return bool(
            Provider.search_count(
                [
                    # Odoo's own company rule: a branch uses its parents' too.
                    *Provider._check_company_domain(company_id),
                    ("state", "in", ENABLED_STATES),
                ],
                limit=1,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        providers = super().create(vals_list)
        self.env.registry.clear_cache()
        return providers

    def write(self, vals):
        result = super().write(vals)
        if {"state", "company_id"} & vals.keys():
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
