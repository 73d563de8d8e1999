"""Names defined once: the workflow type and its query, search-attribute keys, the languages
people read."""

from temporalio.common import SearchAttributeKey

# What people read is in Kazakh, Russian or English (pages, mail to a person, a body's mail in
# all three).
LANGUAGES = ("kk", "ru", "en")
WORKFLOW_TYPE = "ViolationResponseWorkflow"
# ¶6.2 appeals and complaints: one workflow per appeal, its id the appeal's number.
APPEAL_WORKFLOW_TYPE = "AppealWorkflow"
# The query every case workflow answers with its ``CaseView``.
CASE_QUERY = "case"
# The update that turns a typed district of a case opened before districts were codes into its
# directory code (and its search attribute with it).
ADOPT_DISTRICT_CODE = "adopt_district_code"

# Non-personal search attributes: they make cases findable in the Temporal UI and CLI.
# Search attributes are never encrypted, so nothing about the child may go here.
CASE_NUMBER = SearchAttributeKey.for_keyword("CaseNumber")
CASE_REGION = SearchAttributeKey.for_keyword("CaseRegion")
CASE_DISTRICT = SearchAttributeKey.for_keyword("CaseDistrict")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")
POLICE_DECISION = SearchAttributeKey.for_keyword("PoliceDecision")

SEARCH_ATTRIBUTES = (
    CASE_NUMBER, CASE_REGION, CASE_DISTRICT, CASE_STAGE, CASE_OVERDUE, POLICE_DECISION,
)
