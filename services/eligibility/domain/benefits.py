"""From what the payer said (a 271 or a phone call) to this visit's coverage outcome. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.response import Benefit, Member, Response271
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import Benefits, CoverageOutcome, PayerError

PLAN_BEGIN, PLAN_END, PLAN_SPAN, ELIGIBILITY_SPAN = "346", "347", "291", "307"


@dataclass(frozen=True)
class Decision:
    outcome: CoverageOutcome
    reason: str
    patient_responsibility_cents: int | None = None


@dataclass(frozen=True)
class PayerSaid:
    """A readable 271 boiled down: the benefits, or the payer's rejections."""

    benefits: Benefits | None
    errors: tuple[PayerError, ...]
    retry: bool  # the payer asked to be asked again later (AAA 42/80)
    problem: str = ""  # why the response cannot decide anything


def read_response(response: Response271, rules: EligibilityRules) -> PayerSaid:
    errors = tuple(payer_error(r.code, r.follow_up, rules) for r in response.all_rejections())
    retry = any(rules.codes.reason(e.code).outcome == "retry" for e in errors)
    member = response.patient
    if member is None or not member.benefits:
        return PayerSaid(None, errors, retry, "" if errors else "the 271 carries no benefits for the patient")
    return PayerSaid(benefits_of(member, rules), errors, retry)


def payer_error(code: str, follow_up: str, rules: EligibilityRules) -> PayerError:
    meaning = rules.codes.reason(code).meaning
    return PayerError(
        code=code, meaning=meaning, follow_up=rules.codes.follow_up_actions.get(follow_up, follow_up or None)
    )


def benefits_of(member: Member, rules: EligibilityRules) -> Benefits:
    telehealth = [b for b in member.benefits if set(b.service_types) & set(rules.inquiry.telehealth_service_types)]
    begin, end = plan_dates(member)
    return Benefits(
        active=bool(is_active(member.benefits, rules)),
        plan_name=next((b.plan_name for b in member.benefits if b.plan_name), None),
        plan_begin=begin,
        plan_end=end,
        telehealth_by_place_of_service=telehealth_by_pos(telehealth),
        audio_only_covered=audio_only(telehealth, rules.inquiry.audio_only_modifier),
        copay_cents=amount(telehealth or member.benefits, "B", in_network=True),
        out_of_network_copay_cents=amount(telehealth or member.benefits, "B", in_network=False),
        coinsurance_percent=coinsurance(telehealth or member.benefits),
        deductible_cents=amount(member.benefits, "C", in_network=True, periods=("23", "22", "25")),
        deductible_remaining_cents=amount(member.benefits, "C", in_network=True, periods=("29",)),
    )


def is_active(benefits: list[Benefit], rules: EligibilityRules) -> bool | None:
    infos = {b.info for b in benefits}
    if infos & set(rules.codes.active_codes):
        return True
    if infos & set(rules.codes.inactive_codes):
        return False
    return None


def plan_dates(member: Member) -> tuple[date | None, date | None]:
    dates = member.dates
    if PLAN_SPAN in dates or ELIGIBILITY_SPAN in dates:
        return dates.get(PLAN_SPAN) or dates[ELIGIBILITY_SPAN]
    begin = dates[PLAN_BEGIN][0] if PLAN_BEGIN in dates else None
    end = dates[PLAN_END][1] if PLAN_END in dates else None
    return begin, end


def telehealth_by_pos(benefits: list[Benefit]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for benefit in benefits:
        if benefit.info in ("1", "I") and not benefit.modifiers:
            found |= {pos: benefit.info == "1" for pos in benefit.places_of_service}
    return found


def audio_only(benefits: list[Benefit], modifier: str) -> bool | None:
    said = [b.info == "1" for b in benefits if b.info in ("1", "I") and modifier in b.modifiers]
    return said[-1] if said else None


def amount(benefits: list[Benefit], info: str, in_network: bool, periods: tuple[str, ...] = ()) -> int | None:
    wanted = ("Y", "W", "") if in_network else ("N",)
    matching = (
        b.amount_cents
        for b in benefits
        if b.info == info and b.in_network in wanted and (not periods or b.time_period in periods)
    )
    return next((cents for cents in matching if cents is not None), None)


def coinsurance(benefits: list[Benefit]) -> str | None:
    found = next((b.percent for b in benefits if b.info == "A" and b.percent is not None and b.in_network != "N"), None)
    return None if found is None else f"{found.normalize():f}"


def decide(encounter: EncounterCompleted, benefits: Benefits, rules: EligibilityRules) -> Decision:
    """This visit's outcome from the payer's benefits: inactive, outside the plan dates, or the
    modality / place of service not a benefit are `not_covered`; unclear is `needs_manual`."""
    visit, inquiry = encounter.encounter, rules.inquiry
    day = visit.date_of_service
    if not benefits.active:
        return Decision("not_covered", f"coverage inactive on {day} ({benefits.plan_name or 'plan'})")
    if (benefits.plan_begin and day < benefits.plan_begin) or (benefits.plan_end and day > benefits.plan_end):
        return Decision("not_covered", f"{day} is outside the plan dates {benefits.plan_begin}..{benefits.plan_end}")
    if visit.modality in inquiry.telehealth_modalities:
        at_home = visit.patient_location.setting == "home"
        pos = inquiry.telehealth_place_of_service.home if at_home else inquiry.telehealth_place_of_service.elsewhere
        if benefits.telehealth_by_place_of_service.get(pos) is False:
            return Decision("not_covered", f"telehealth at POS {pos} is not a benefit of this plan")
        if visit.modality == "audio_only" and benefits.audio_only_covered is False:
            return Decision("not_covered", "audio-only telehealth is not a benefit of this plan")
    return Decision("covered", covered_reason(benefits), benefits.copay_cents)


def covered_reason(benefits: Benefits) -> str:
    parts = [f"active coverage ({benefits.plan_name or 'plan'})"]
    if benefits.copay_cents is not None:
        parts.append(f"copay ${benefits.copay_cents / 100:.2f}")
    if benefits.deductible_remaining_cents:
        parts.append(f"deductible remaining ${benefits.deductible_remaining_cents / 100:.2f}")
    if benefits.coinsurance_percent:
        parts.append(f"coinsurance {benefits.coinsurance_percent}%")
    return "; ".join(parts)


def decision_from_errors(said: PayerSaid, rules: EligibilityRules) -> Decision:
    """The payer rejected the inquiry (AAA) or said nothing usable."""
    described = "; ".join(
        f"AAA {e.code} {e.meaning}" + (f" ({e.follow_up})" if e.follow_up else "") for e in said.errors
    )
    outcomes = {rules.codes.reason(e.code).outcome for e in said.errors}
    if "not_covered" in outcomes:
        return Decision("not_covered", f"payer: {described}")
    return Decision("needs_manual", f"payer: {described}" if described else said.problem or "ambiguous 271")
