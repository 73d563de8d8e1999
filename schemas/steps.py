"""The names of the steps of Order 149 (¶10–¶11, ¶6.2 appeals, the periodic work of ¶6.1,
¶6.10 and ¶8) and of the roles that act on them.

What each kind of step is — its clause, who does it, its titles, deadline and update — is its
spec in ``schemas/procedure.py``.
"""

from enum import StrEnum


class Role(StrEnum):
    CASE_WORKER = "case_worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"


class Office(StrEnum):
    """The office whose people alone do a kind of task: the national Commissioner's (users
    with no region) or a regional ombudsman's."""

    NATIONAL = "national"
    REGIONAL = "regional"


class StepKind(StrEnum):
    # ¶10: from the moment the report is received.
    NOTICE = "notice"  # ¶10.1 commissioner, committee, akimat
    REFERRAL = "referral"  # ¶10.3 guardianship, police
    PREVENTIVE_TALK = "preventive_talk"  # ¶10.2
    POLICE_DECISION = "police_decision"  # ¶11 (the confirmation that opens ¶11)
    # ¶11: after the police confirm the facts.
    PUBLIC_STATEMENT = "public_statement"  # ¶11.1, ¶13
    SAFETY_ASSESSMENT = "safety_assessment"  # ¶11.2
    SAFE_PLACEMENT = "safe_placement"  # ¶11.7
    KDN_DECISION = "kdn_decision"  # ¶11.7 "until the KDN decides"
    PSYCHOLOGICAL_SUPPORT = "psychological_support"  # ¶11.3
    PLAN_REVIEW = "plan_review"  # ¶11.3 periodic review of the rehabilitation plan
    COORDINATION_MEETING = "coordination_meeting"  # ¶11.4
    INSPECTION = "inspection"  # ¶11.5
    RECOMMENDATIONS = "recommendations"  # ¶11.6
    APPROVAL = "approval"  # a supervisor's decision on a draft (statement, recommendations)
    CLOSURE = "closure"  # the case worker's closing summary
    CLOSURE_APPROVAL = "closure_approval"  # four eyes: a supervisor who did none of the steps
    # ¶6.2 appeals and complaints, under the Administrative Procedural Code (APPC).
    APPEAL_REGISTRATION = "appeal_registration"  # art. 64: registered, the ticket's facts
    APPLICANT_NOTICE = "applicant_notice"  # a letter to the applicant (ticket, answer, ...)
    APPEAL_TRIAGE = "appeal_triage"  # within the ombudsman's competence or not
    APPEAL_FORWARD = "appeal_forward"  # sent to the competent body with a cover letter
    APPEAL_ANSWER = "appeal_answer"  # art. 76: the answer, drafted by the case worker
    APPEAL_ANSWER_APPROVAL = "appeal_answer_approval"  # four eyes: a supervisor who did not draft
    APPEAL_EXTENSION = "appeal_extension"  # art. 76: the head's reasoned extension
    APPEAL_RESULT = "appeal_result"  # the verdict, and whether the term was met
    # The ombudsman's periodic work (``schemas/reporting.py``): drafts and their decisions.
    REPORT_NARRATIVE = "report_narrative"  # ¶8: the sections beside the figures
    REPORT_APPROVAL = "report_approval"  # ¶8: four eyes
    PLAN_DRAFT = "plan_draft"  # ¶6.1: next year's plan items
    PLAN_AGREEMENT = "plan_agreement"  # ¶6.1: the national Commissioner's agreement
    PLAN_APPROVAL = "plan_approval"  # ¶6.1: the regional ombudsman's approval
    BRIEFING = "briefing"  # ¶6.10: the briefing held and its public summary
    BRIEFING_APPROVAL = "briefing_approval"  # ¶6.10: four eyes before publication
