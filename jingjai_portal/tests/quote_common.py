import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon


def signature_b64(size=(300, 100), fmt="PNG", blank=False):
    """A drawn signature as the portal signature pad sends it: base64, no prefix."""
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (255, 255, 255, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(20, 70), (80, 20), (140, 80), (220, 30), (280, 60)],
            fill=(0, 0, 0, 255),
            width=4,
        )
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return base64.b64encode(buffer.getvalue()).decode()


class QuoteLinkCommon(JingjaiPortalCommon):
    """Quotes that ask for an online signature and no prepayment, as the company's
    defaults would have them, whatever the defaults of the test database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quotes = cls.quote_th | cls.quote_en
        cls.quotes.write({"require_signature": True, "require_payment": False})
        cls.signature = signature_b64()

    @classmethod
    def _new_quote(cls, partner=None, **values):
        """A sent quote to sign, valid for 30 more days."""
        quote = cls._create_quote(
            partner or cls.customer_th,
            **{"require_signature": True, "require_payment": False, **values},
        )
        quote.action_quotation_sent()
        return quote

    def _quote_notes(self, quote, text):
        """Chatter messages of ``quote`` whose body contains ``text``."""
        return self._link_notes(quote, text)

    @classmethod
    def _outdate(cls, quote):
        """Make ``quote`` past its validity date (and its quote links closed)."""
        quote.validity_date = cls.today - timedelta(days=2)
