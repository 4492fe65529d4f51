"""How the dashboard words the domain in the reader's language: label and level names, and the
risk reasons (:class:`service.risk.assess.Reason` data; the rules stay in ``service.risk``).

Every label has its words here, checked at import against the one label list and the risk
policy, as the policy table itself is: a label added without them fails at once.
"""

from __future__ import annotations

from babel.support import Translations

from models.labels import LABELS
from service.dashboard.i18n import N_, Formats, Np_
from service.risk.assess import Reason
from service.risk.policy import ACCUMULATING, IMMEDIATE

LABEL_NAMES = {
    "abuse": N_("Abuse"),
    "pessimism": N_("Pessimism"),
    "unreasonable_demand": N_("Unreasonable demands"),
    "slow_response": N_("Slow responses"),
}

LEVEL_NAMES = {"red": N_("Red"), "amber": N_("Amber"), "green": N_("Green")}

IMMEDIATE_REASONS = {
    "abuse": Np_(
        "Abuse in %(count)s message in the last %(days)s days (latest %(date)s): "
        "any abuse is an immediate red.",
        "Abuse in %(count)s messages in the last %(days)s days (latest %(date)s): "
        "any abuse is an immediate red.",
    ),
}
IMMEDIATE_VERDICTS = {"abuse": N_("Red: abusive behaviour.")}

REPEATED_REASONS = {
    "pessimism": Np_(
        "Repeated pessimism: %(count)s message in the last %(days)s days.",
        "Repeated pessimism: %(count)s messages in the last %(days)s days.",
    ),
    "unreasonable_demand": Np_(
        "Repeated unreasonable demands: %(count)s message in the last %(days)s days.",
        "Repeated unreasonable demands: %(count)s messages in the last %(days)s days.",
    ),
    "slow_response": Np_(
        "Repeated slow responses: %(count)s message in the last %(days)s days.",
        "Repeated slow responses: %(count)s messages in the last %(days)s days.",
    ),
}
"""Whole sentences per label: composing "repeated" with a noun reads badly in ko, ru and tr."""

SINGLE_REASONS = {
    "pessimism": Np_(
        "Pessimism in %(count)s message in the last %(days)s days.",
        "Pessimism in %(count)s messages in the last %(days)s days.",
    ),
    "unreasonable_demand": Np_(
        "Unreasonable demands in %(count)s message in the last %(days)s days.",
        "Unreasonable demands in %(count)s messages in the last %(days)s days.",
    ),
    "slow_response": Np_(
        "Slow responses in %(count)s message in the last %(days)s days.",
        "Slow responses in %(count)s messages in the last %(days)s days.",
    ),
}

COMPLETE = (
    tuple(LABEL_NAMES) == LABELS
    and set(IMMEDIATE_REASONS) == set(IMMEDIATE_VERDICTS) == set(IMMEDIATE)
    and set(REPEATED_REASONS) == set(SINGLE_REASONS) == set(ACCUMULATING)
)
if not COMPLETE:  # pragma: no cover - a label added without its words, caught at import
    raise RuntimeError("service/dashboard/wording.py lacks the words of a label")


def reason_text(reason: Reason, tr: Translations, fmt: Formats) -> str:
    """One reason as a sentence in the reader's language."""
    v = reason.values
    if reason.code == "immediate":
        return tr.ngettext(*IMMEDIATE_REASONS[v["label"]], v["count"]) % {
            "count": v["count"],
            "days": v["days"],
            "date": fmt.date(v["latest"]),
        }
    if reason.code == "signal":
        texts = REPEATED_REASONS if v["repeated"] else SINGLE_REASONS
        text = tr.ngettext(*texts[v["label"]], v["count"])
        return text % {"count": v["count"], "days": v["days"]}
    if reason.code == "silence":
        return tr.ngettext(
            "Has not answered our message of %(date)s for %(days)s day.",
            "Has not answered our message of %(date)s for %(days)s days.",
            v["days"],
        ) % {"date": fmt.date(v["since"]), "days": v["days"]}
    if reason.code == "red_immediate":
        return " ".join(tr.gettext(IMMEDIATE_VERDICTS[label]) for label in v["labels"])
    verdicts = {
        "red_points": tr.gettext("Red: %(points)s accumulated signals (red from %(red_from)s)."),
        "amber_points": tr.gettext(
            "Amber: %(points)s accumulated signals (red from %(red_from)s)."
        ),
        "green_isolated": tr.gettext("Green: isolated signals only (amber from %(amber_from)s)."),
        "green_clear": tr.gettext("Green: no warning signs in the last %(days)s days."),
    }
    return verdicts[reason.code] % v
