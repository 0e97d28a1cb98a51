"""The marketplace (search, verdicts, recommendations, workflows) and the learning library through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, at, install


def listing(aid: str, name: str, installs: int, categories, **changes) -> ca.Listing:
    fields = dict(
        app=aid,
        name=name,
        provider="Vendor",
        tagline="",
        description="",
        total_installs=installs,
        categories=list(categories),
        collections=[],
        features=[],
        requirements=ca.Requirements(subscriptions=[], app_requirements=None),
        resources=ca.Resources(
            documentation=None, setup_guide=None, provider_contact=None, supported_by=ca.SupportedBy.PROVIDER
        ),
        data_privacy=ca.DataPrivacy(platform_policy_applies=False, provider_policy=None),
        pricing=[ca.PricingPlan(name="Free", currency="USD", monthly=0.0, annual_monthly=None, free_trial_days=0)],
        shared_data=[ca.SharedData(object="contacts", direction=ca.SyncDirection.TWO_WAY)],
        languages=["en"],
        certified=True,
        workflow_actions=[],
    )
    fields.update(changes)
    return ca.Listing(**fields)


def marketplace() -> ca.Marketplace:
    return ca.Marketplace(
        [
            listing("salesforce", "Salesforce", 1000, ["Sales"],
                    workflow_actions=[ca.WorkflowAction(id="sf-task", name="Create task")]),
            listing("gmail", "Gmail", 5000, ["Productivity"]),
            listing("dialer", "Dialer", 300, ["Sales"],
                    requirements=ca.Requirements(
                        subscriptions=[ca.HubTier(hub=ca.Hub.SALES, tier=ca.Tier.ENTERPRISE)], app_requirements="a plan"),
                    pricing=[ca.PricingPlan(name="Pro", currency="USD", monthly=20.0, annual_monthly=15.0,
                                            free_trial_days=14)]),
        ]
    )


def test_marketplace_search_verdicts_recommendations_and_workflows(engine):
    market = marketplace()
    assert [l.app for l in market.listings()] == ["salesforce", "gmail", "dialer"]
    assert market.listing("dialer").pricing[0].annual_monthly == 15.0
    assert market.categories() == ["Productivity", "Sales"]
    assert ca.listing_has_free_trial(market.listing("dialer")) and not ca.listing_has_free_plan(market.listing("dialer"))
    assert ca.pricing_plan_annual_total(market.listing("dialer").pricing[0]) == 180.0
    no_filters = ca.Filters(collections=[], categories=[], pricing=[], features=[], offers_workflow_actions=False)
    results = market.search(ca.SearchQuery(text="dial", filters=no_filters, offset=0, limit=10), "en")
    assert results.total == 1 and results.hits[0].app == "dialer"
    sales = ca.Filters(collections=[], categories=["Sales"], pricing=[ca.PricingFilter.FREE], features=[],
                       offers_workflow_actions=False)
    assert [h.app for h in market.search(ca.SearchQuery(text="", filters=sales, offset=0, limit=10), "en").hits] == [
        "salesforce"
    ]
    bad = ca.Filters(collections=[], categories=["Nope"], pricing=[], features=[], offers_workflow_actions=False)
    with pytest.raises(E.InvalidInput, match='unknown category "Nope"'):
        market.search(ca.SearchQuery(text="", filters=bad, offset=0, limit=10), "en")

    verdict = market.install_verdict(engine, "dialer", "ben")
    assert verdict.upgrades == [ca.Upgrade(hub=ca.Hub.SALES, tier=ca.Tier.ENTERPRISE, _from=ca.Tier.PROFESSIONAL)]
    assert verdict.permission == ca.InstallPermission.REQUEST(admins=["admin"]) and not verdict.can_install_now
    assert market.install_verdict(engine, "salesforce", "mia").can_install_now
    with pytest.raises(E.NotFound, match='no listing of app "nope"'):
        market.install_verdict(engine, "nope", "mia")

    install(engine, ADMIN, "gmail", at(0))
    assert [r.app for r in market.recommendations(engine, 5)] == ["salesforce"]

    # W2: from the workflow editor, find an app offering actions and connect it; W1: its actions.
    [hit] = market.workflow_search(engine, "mia", "sales", 5)
    assert hit.hit.app == "salesforce" and hit.verdict.can_install_now
    assert engine.connect_from_workflow(market, "salesforce", "mia", at(1)) == ca.Outcome.APPLIED(event=2)
    groups = engine.workflow_actions(at(2))
    assert [g.app for g in groups] == ["gmail", "salesforce"]
    assert groups[1] == ca.WorkflowActionGroup(
        app="salesforce", app_name="Salesforce", actions=[ca.WorkflowAction(id="salesforce-task", name="Create task")]
    )
    with pytest.raises(E.InvalidInput, match='app "gmail" offers no workflow actions'):
        engine.connect_from_workflow(market, "gmail", "mia", at(3))
    with pytest.raises(E.InvalidInput, match="invalid listing"):
        ca.Marketplace([listing("x", " ", 0, [])])
    with pytest.raises(E.Conflict, match="duplicate listing"):
        ca.Marketplace([listing("x", "X", 0, []), listing("x", "X", 0, [])])
    assert [l.app for l in ca.Marketplace.from_json("[]").listings()] == []


def test_learning_library():
    item = ca.LearningItem(title="Keep Salesforce healthy", link="https://learn.test/sf", kind=ca.LearningKind.VIDEO,
                           apps=["salesforce"], categories=[], topics=[ca.LearningTopic.CONNECTION_HEALTH],
                           language="en")
    library = ca.LearningLibrary([item])
    assert library.items() == [item]
    assert library.for_app("salesforce", ["Sales"], "en", 3) == [item]
    assert library.for_insights("en", 3) == [ca.LearningSection(topic=ca.LearningTopic.CONNECTION_HEALTH, items=[item])]
    with pytest.raises(E.InvalidInput, match="invalid learning item at position 0"):
        ca.LearningLibrary([ca.LearningItem(title="", link="x", kind=ca.LearningKind.GUIDE, apps=[], categories=[],
                                            topics=[], language="en")])
