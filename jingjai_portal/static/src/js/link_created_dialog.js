import { Component, onMounted, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { CopyButton } from "@web/core/copy_button/copy_button";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Shows a freshly generated portal link once: the URL (already copied to the
 * clipboard when the browser allows it), a copy button, buttons to share it
 * by SMS, LINE, WhatsApp or email, and a QR code.
 * The URL exists only here; the server keeps just its digest.
 */
export class LinkCreatedDialog extends Component {
    static template = "jingjai_portal.LinkCreatedDialog";
    static components = { CopyButton };
    static props = ["*"];

    setup() {
        this.params = this.props.action.params;
        this.actionService = useService("action");
        this.state = useState({ copied: false });
        onMounted(async () => {
            try {
                await browser.navigator.clipboard.writeText(this.params.url);
                this.state.copied = true;
            } catch {
                // Some browsers only allow copying on a click: the button is there.
            }
        });
    }

    get share() {
        return this.params.share || {};
    }

    openSms() {
        this.actionService.doAction(this.share.sms_action);
    }

    openEmail() {
        this.actionService.doAction(this.share.email_action);
    }

    close() {
        // Closing reloads the record behind, so its links and buttons are current.
        this.actionService.doAction({ type: "ir.actions.act_window_close" });
    }

    get validUntilText() {
        return _t("Last valid day: %s.", this.params.last_valid_day);
    }

    get copiedText() {
        return _t("Link copied");
    }
}

registry.category("actions").add("jingjai_portal.link_created", LinkCreatedDialog);
