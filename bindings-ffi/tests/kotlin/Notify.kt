// Notification rules, evaluation, the delivery log and the dry run.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** Notification rules, evaluation, the delivery log and the dry run. */
fun notifyTests() {
    test("notification rules, due notifications, delivery log, dry run") {
        val e = engine()
        val rule = Rule("r1", "Salesforce down", RuleType.APP_DISCONNECTED, RuleApps.Only(listOf("salesforce")),
            Recipients.SuperAdmins, listOf(Channel.EMAIL), Frequency.DAILY, true)
        e.createRule("mia", rule, at(0))
        eq(e.rules(), listOf(rule))
        throws<ConnectedAppsException.PermissionDenied>("is not a super admin") { e.editRule("mia", rule.copy(name = "x"), at(1)) }
        throws<ConnectedAppsException.InvalidInput>("must have a reminder frequency") {
            e.createRule("admin", rule.copy(id = "r2", frequency = null), at(1))
        }
        throws<ConnectedAppsException.Conflict>("duplicate rule id") { e.createRule("admin", rule, at(1)) }
        eq(e.resolveRecipients(Recipients.Specific(emptyList(), listOf("sales"))), listOf("ben", "mia"))
        e.install(ADMIN, "salesforce", at(10))
        e.disconnect(MIA, "salesforce", at(20))
        val now = at(20).plus(java.time.Duration.ofDays(1)).plusSeconds(1)
        val due = e.dueNotifications(now)
        eq(due.map { it.trigger }, listOf(Trigger.Disconnected(2uL), Trigger.Reminder(2uL, 1u)))
        eq(due[1].dueAt, reminderDue(Frequency.DAILY, at(20), 1u))
        throws<ConnectedAppsException.InvalidInput>("is not due at") { e.recordDeliveries(due, at(21)) }
        eq(e.recordDeliveries(due, now), 2uL)
        eq(e.dueNotifications(now), emptyList<Delivery>())
        e.settleDeliveries(at(21))
        eq(e.deliveryLog().settledBefore, at(20)) // never past the newest event
        val installs = rule.copy(id = "i1", ruleType = RuleType.APP_INSTALLED, apps = RuleApps.All, frequency = null, notifyRecovered = false)
        eq(e.dryRunNotifications(listOf(installs), at(0), at(30)).map { it.trigger }, listOf(Trigger.Installed(1uL)))
        e.deleteRule("admin", "r1", at(30))
        eq(e.ruleEvents().map { it.change::class.simpleName }, listOf("Created", "Deleted"))
        throws<ConnectedAppsException.NotFound>("unknown rule") { e.deleteRule("admin", "r1", at(31)) }
    }
}
