"""Plain Python logic shared by the add-on and its fast tests; no odoo import here."""
