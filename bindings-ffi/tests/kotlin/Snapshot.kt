// History, JSON snapshots, the hash chain and NDJSON.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** History, JSON snapshots, the hash chain and NDJSON. */
fun snapshotTests() {
    test("state as of an instant") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(ADMIN, "salesforce", at(10))
        eq(e.connectionStateAsOf("salesforce", null, at(-1)), null)
        eq(e.connectionStateAsOf("salesforce", null, at(5)), ConnectionState.CONNECTED)
        eq(e.connectionStateAsOf("salesforce", null, at(10)), ConnectionState.DISCONNECTED)
        eq(e.connectionsAsOf(at(5)).map { it.health }, listOf(Health.Connected))
        eq(e.connections().map { it.health }, listOf(Health.Disconnected))
    }

    test("json snapshot round trip") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val json = e.toJson()
        val copy = AccountEngine.fromJson(json)
        eq(copy.toJson(), json)
        eq(copy.events(), e.events())
        throws<ConnectedAppsException.InvalidInput>("malformed json") { AccountEngine.fromJson("{") }
    }

    test("hash chain: verify, head, a tampered snapshot refused") {
        val e = engine()
        val empty = e.verify()
        eq(empty.length, 64)
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val head = e.verify()
        check(head != empty)
        eq(e.chainHead(), head)
        val json = e.toJson()
        check(json.contains("\"head\": \"$head\""))
        eq(AccountEngine.fromJson(json).verify(), head)
        val tampered = json.replace("\"actor\": \"mia\"", "\"actor\": \"admin\"")
        check(tampered != json)
        throws<ConnectedAppsException.InvalidState>("event chain breaks in block 0, events 1 to 2") {
            AccountEngine.fromJson(tampered)
        }
    }

    test("ndjson events in and out, all or nothing") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val ndjson = e.exportNdjson()
        val events = eventsFromNdjson(ndjson)
        eq(events, e.events())
        eq(eventsToNdjson(events), ndjson)
        val replica = engine()
        eq(replica.importNdjson(ndjson), 2uL)
        eq(replica.events(), e.events())
        throws<ConnectedAppsException.Conflict>("duplicate event id 1") { replica.importNdjson(ndjson) }
        eq(replica.events().size, 2)
        throws<ConnectedAppsException.InvalidInput>("at line 2") { eventsFromNdjson(ndjson.lines().first() + "\n{nope}\n") }
    }

    test("append and append all") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        val event = Event(10uL, at(1), "salesforce", null, "mia", EventKind.Disconnected)
        e.append(event)
        throws<ConnectedAppsException.Conflict>("duplicate event id 10") { e.append(event) }
        throws<ConnectedAppsException.InvalidInput>("older than the newest") {
            e.append(Event(11uL, at(0), "salesforce", null, null, EventKind.Connected))
        }
        val batch = listOf(
            Event(12uL, at(2), "salesforce", null, "mia", EventKind.Reconnected(null)),
            Event(13uL, at(3), "salesforce", null, "mia", EventKind.Reconnected(null)),
        )
        throws<ConnectedAppsException.InvalidState>("already connected") { e.appendAll(batch) }
        eq(e.events().size, 2)
        eq(e.appendAll(batch.take(1)), 1uL)
        eq(e.disconnect(ADMIN, "salesforce", at(4)), Outcome.Applied(13uL))
    }
}
