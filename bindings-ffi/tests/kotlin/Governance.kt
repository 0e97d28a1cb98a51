// Governance (G1–G4, X4) through the generated Kotlin bindings: policy precedence and the
// blocked refusal, the access-request queue, the inventory and revocations, governance policies
// in audit and enforce mode, the blast radius, and the least-privilege reauthentication (X6).
// Called by main() in Main.kt.

import com.example.connectedapps.*

private const val CONTACTS = "crm.objects.contacts.read"
private const val DEALS = "crm.objects.deals.write"

private fun policy(id: String, mode: GovernanceMode, metric: String, atLeast: ULong?, apps: List<String>? = null) =
    GovernancePolicy(id, "Policy $id", Severity.HIGH, listOf(GovernanceCondition(metric, atLeast, null)), mode,
        if (apps == null) RuleApps.All else RuleApps.Only(apps))

/** `deletes` contacts deleted by salesforce an hour in, and a usage report at 60 % of the limit. */
private fun evidence(deletes: Int): Pair<RecordAggregate, UsageReport> {
    val records = RecordAggregate()
    repeat(deletes) { records.ingest(RecordEvent(at(60), "salesforce", "contacts", RecordAction.DELETED)) }
    val history = UsageHistory()
    history.record(UsageSnapshot("salesforce", at(60), 6000uL, 10000uL, null))
    return records to history.report(account(), defaultUsageSettings(), at(90))
}

/** Governance: policies, the request queue, the inventory, G4 policies and the blast radius. */
fun governanceTests() {
    test("governance: a user rule beats the teams, a team rule the account; blocked installs are refused") {
        val e = engine()
        e.setPolicy("admin", "salesforce", listOf(
            PolicyRule(PolicyLevel.Account, Approval.NEEDS_APPROVAL),
            PolicyRule(PolicyLevel.Team("sales"), Approval.BLOCKED),
        ), at(0))
        eq(e.policyDecision("salesforce", "mia"), PolicyDecision(Approval.BLOCKED, PolicyLevel.Team("sales")))
        eq(e.policyDecision("salesforce", "admin"), PolicyDecision(Approval.NEEDS_APPROVAL, PolicyLevel.Account))
        val before = e.toJson()
        throws<ConnectedAppsException.PermissionDenied>("blocked for user \"mia\" by the team \"sales\" rule") {
            e.install(MIA, "salesforce", at(1))
        }
        throws<ConnectedAppsException.PermissionDenied>("not a super admin") {
            e.setPolicy("mia", "salesforce", listOf(PolicyRule(PolicyLevel.Account, Approval.ALLOWED)), at(1))
        }
        throws<ConnectedAppsException.NotFound>("unknown team \"nope\"") {
            e.setPolicy("admin", "salesforce", listOf(PolicyRule(PolicyLevel.Team("nope"), Approval.ALLOWED)), at(1))
        }
        eq(e.toJson(), before)
        e.setPolicy("admin", "salesforce", listOf(PolicyRule(PolicyLevel.User("mia"), Approval.ALLOWED)), at(1))
        eq(e.policyDecision("salesforce", "mia"), PolicyDecision(Approval.ALLOWED, PolicyLevel.User("mia")))
        eq(e.install(MIA, "salesforce", at(2)) is Outcome.Applied, true)
    }

    test("governance: the request queue ranks by requesters; approve installs, deny closes; reminders notify") {
        val e = engine()
        e.createRule("admin", Rule("asks", "Access requests", RuleType.ACCESS_REQUESTED, RuleApps.All,
            Recipients.SuperAdmins, listOf(Channel.EMAIL), Frequency.HOURLY, false), at(0))
        e.setPolicy("admin", "salesforce", listOf(PolicyRule(PolicyLevel.Account, Approval.NEEDS_APPROVAL)), at(0))
        val asked = e.requestAccess("ben", "gmail", null, "mail sync", at(0))
        eq(e.dueNotifications(at(0)).map { it.trigger to it.connectionUser }, listOf(Trigger.AccessRequested(asked) to "ben"))
        eq(e.install(MIA, "salesforce", at(1)) is Outcome.InstallRequested, true)
        e.requestAccess("ben", "salesforce", null, "crm sync", at(2))
        val queue = e.accessQueue(at(3))
        eq(queue.map { it.app to it.requesters }, listOf("salesforce" to 2uL, "gmail" to 1uL))
        eq(queue[0].requests.map { it.requester }, listOf("mia", "ben"))
        throws<ConnectedAppsException.Conflict>("") { e.requestAccess("ben", "salesforce", null, "", at(3)) }
        throws<ConnectedAppsException.PermissionDenied>("not a super admin") {
            e.denyRequest("mia", "salesforce", "ben", "no", at(3))
        }
        eq(e.approveRequest("admin", "salesforce", "mia", ApprovalGrant.INSTALL, at(3)).size, 2)
        eq(e.connectionState("salesforce", null, at(3)), ConnectionState.CONNECTED)
        throws<ConnectedAppsException.InvalidState>("already approved") {
            e.approveRequest("admin", "salesforce", "mia", ApprovalGrant.INSTALL, at(4))
        }
        e.denyRequest("admin", "salesforce", "ben", "installed for the account", at(4))
        eq(e.accessRequest("salesforce", "ben")?.status is RequestStatus.Denied, true)
        eq(e.accessQueue(at(5)).map { it.app }, listOf("gmail"))
    }

    test("governance: inventory with uses, revoking one connection and a leaver's") {
        val e = engine()
        e.install(MIA, "gmail", at(0))
        e.install(MIA, "salesforce", at(0))
        e.execute(Actor.System, Command.ReportActivity("gmail", "mia"), at(1))
        val inventory = e.userInventory("mia", at(2))
        eq(inventory.connections.map { it.connection.app }, listOf("gmail", "salesforce"))
        eq(inventory.connections[0].usage?.uses, 1uL)
        eq(e.appUsers("gmail", at(2)).map { it.user }, listOf("mia"))
        e.revokeConnection("admin", "salesforce", null, "audit", at(2))
        eq(e.connectionState("salesforce", null, at(2)), ConnectionState.UNINSTALLED)
        val before = e.toJson()
        throws<ConnectedAppsException.InvalidState>("not installed") {
            e.revokeConnection("admin", "salesforce", null, "", at(3))
        }
        throws<ConnectedAppsException.PermissionDenied>("not a super admin") {
            e.revokeUserConnections("ben", "mia", "left", at(3))
        }
        eq(e.toJson(), before)
        eq(e.deactivateUser("mia", at(3)).map { it.app }, listOf("gmail"))
        eq(e.revokeUserConnections("admin", "mia", "left", at(4)).size, 1)
        eq(e.userInventory("mia", at(4)).connections, emptyList<InventoryItem>())
    }

    test("governance: an audit policy only alerts, an enforce policy also disconnects") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0), listOf(CONTACTS, DEALS))
        e.setGovernancePolicy("admin", policy("heavy", GovernanceMode.AUDIT, "api_share_of_limit_percent", 60uL), at(1))
        e.setGovernancePolicy("admin",
            policy("wipe", GovernanceMode.ENFORCE, "records_deleted_per_day", 300uL, listOf("salesforce")), at(1))
        val (under, usage) = evidence(299)
        val report = e.evaluateGovernance(at(90), under, usage, null, null)
        eq(report.alerts.map { it.policy to it.conditions[0].observed }, listOf("heavy" to 60uL))
        eq(report.disconnects, emptyList<GovernanceDisconnect>())
        val (over, usage2) = evidence(300)
        val events = e.events().size
        val outcome = e.applyGovernance(at(90), over, usage2, null, null)
        eq(outcome.report.alerts.map { it.policy }, listOf("heavy", "wipe"))
        eq(outcome.report.disconnects, listOf(GovernanceDisconnect("salesforce", null)))
        eq(outcome.events.size, 1)
        eq(e.events().size, events + 1)
        throws<ConnectedAppsException.InvalidInput>("unknown metric \"records_shredded\"") {
            e.setGovernancePolicy("admin", policy("p", GovernanceMode.AUDIT, "records_shredded", 1uL), at(91))
        }
        throws<ConnectedAppsException.InvalidInput>("at_least 1001 of metric api_share_of_limit_percent") {
            e.setGovernancePolicy("admin", policy("p", GovernanceMode.AUDIT, "api_share_of_limit_percent", 1001uL), at(91))
        }
        eq(e.governancePolicies().map { it.id }, listOf("heavy", "wipe"))
    }

    test("governance: recorded alert deliveries are not due again that day; bad records are refused") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0), listOf(CONTACTS, DEALS))
        e.setGovernancePolicy("admin", policy("heavy", GovernanceMode.AUDIT, "api_share_of_limit_percent", 60uL), at(1))
        e.createRule("admin", Rule("gov", "Governance", RuleType.GOVERNANCE_ALERT, RuleApps.All,
            Recipients.SuperAdmins, listOf(Channel.EMAIL), null, false), at(1))
        val (records, usage) = evidence(0)
        val alerts = e.evaluateGovernance(at(90), records, usage, null, null).alerts
        val deliveries = e.governanceNotifications(alerts)
        eq(deliveries.map { it.policy to it.recipient }, listOf("heavy" to "admin"))
        eq(e.recordGovernanceDeliveries(deliveries, at(90)), 1uL)
        eq(e.governanceNotifications(alerts), emptyList<GovernanceDelivery>())
        eq(e.deliveryLog().governanceNotices.map { it.rule to it.policy }, listOf("gov" to "heavy"))
        val before = e.toJson()
        throws<ConnectedAppsException.Conflict>("already delivered") { e.recordGovernanceDeliveries(deliveries, at(90)) }
        throws<ConnectedAppsException.NotFound>("unknown rule \"ghost\"") {
            e.recordGovernanceDeliveries(listOf(deliveries[0].copy(rule = "ghost")), at(90))
        }
        eq(e.toJson(), before)
        val tomorrow = alerts.map { it.copy(at = at(1530)) }
        eq(e.governanceNotifications(tomorrow).size, 1)
    }

    test("governance: the least-privilege reauthentication narrows the grant; bad drops are refused") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0), listOf(CONTACTS, DEALS))
        val (records, _) = evidence(12)
        val view = e.leastPrivilege(at(90), 30u, records, null).first { it.app == "salesforce" }
        eq(view.reauthenticate, Command.Reauthenticate("salesforce", null, listOf(CONTACTS), null, listOf(DEALS)))
        val before = e.toJson()
        throws<ConnectedAppsException.InvalidInput>("cannot drop scope \"$CONTACTS\": the app requires it") {
            e.execute(ADMIN, Command.Reauthenticate("salesforce", null, emptyList(), null, listOf(CONTACTS)), at(91))
        }
        eq(e.toJson(), before)
        e.execute(ADMIN, view.reauthenticate!!, at(91))
        eq(e.connection("salesforce", null)?.grantedScopes, listOf(CONTACTS))
        eq(e.leastPrivilege(at(91), 30u, records, null).first { it.app == "salesforce" }.reauthenticate, null)
        throws<ConnectedAppsException.InvalidInput>("it is not granted") {
            e.execute(ADMIN, Command.Reauthenticate("salesforce", null, emptyList(), null, listOf(DEALS)), at(92))
        }
    }

    test("governance: the blast radius of an uninstall") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0), listOf(CONTACTS, DEALS))
        e.createRule("admin", Rule("down", "Salesforce down", RuleType.APP_DISCONNECTED, RuleApps.Only(listOf("salesforce")),
            Recipients.SuperAdmins, listOf(Channel.EMAIL), Frequency.DAILY, false), at(1))
        val (records, _) = evidence(12)
        val radius = e.blastRadius("salesforce", at(90), records, null)
        eq(radius.workflowActions.map { it.id }, listOf("salesforce-task"))
        eq(radius.records, listOf(RecordTouch("contacts", RecordAction.DELETED, 12uL)))
        eq(listOf(radius.recordsTotal, radius.users, radius.rules), listOf(12uL, listOf("admin"), listOf("down")))
        val prompt = blastRadiusConfirmationPrompt(radius)
        eq(prompt.startsWith("Uninstalling Salesforce removes 1 workflow action and affects 1 user and 1 notification rule"), true)
        throws<ConnectedAppsException.NotFound>("unknown app \"nope\"") { e.blastRadius("nope", at(90), null, null) }
    }
}
