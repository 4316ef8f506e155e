package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: the list of examples, option parsing and its error messages. */
class MainTest {

    private static int run(ExampleBackends.Captured out, ExampleBackends.Captured err, String... args) {
        return Main.run(args, out.stream, err.stream);
    }

    @Test
    void noArgumentListsTheExamples() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(0, run(out, err));
        for (String name : new String[] {"http-server", "echo-server", "http-load"}) {
            assertTrue(out.text().contains("  " + name + " "), out.text());
        }
        assertEquals("", err.text());
    }

    @Test
    void unknownExampleListsTheExamplesAndExitsWithTwo() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "ftp-server"));
        assertTrue(err.text().startsWith("unknown example 'ftp-server'"), err.text());
        assertTrue(err.text().contains("http-load"), err.text());
    }

    @Test
    void portOutOfRangeIsAClearErrorWithExitCodeTwo() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "http-server", "--port", "70000"));
        assertTrue(err.text().contains("option --port 70000 is out of range; expected 0 to 65535"), err.text());
        assertEquals("", out.text());
    }

    @Test
    void unknownOptionIsAnErrorWithExitCodeTwo() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "echo-server", "--verbose"));
        assertTrue(err.text().contains("unknown option --verbose"), err.text());
        assertEquals(2, run(out, err, "http-server", "--connections", "5"));
        assertTrue(err.text().contains("unknown option --connections (it belongs to http-load)"), err.text());
    }

    @Test
    void tlsOptionsNeedBothCertificateAndKeyAndNameBadFiles() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "http-server", "--cert", "c.pem", "--port", "0"));
        assertTrue(err.text().contains("--cert and --key go together"), err.text());
        assertEquals(2, run(out, err, "http-load", "--key", "k.pem", "--duration", "1"));
        assertEquals("", out.text());
    }

    @Test
    void unavailableBackendNamesTheAvailableOnes() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "http-server", "--port", "0", "--backend", "carrier-pigeon"));
        assertTrue(err.text().contains("backend 'carrier-pigeon' is not available here; expected one of"),
                err.text());
        assertEquals("", out.text());
    }

    @Test
    void helpPrintsTheExamplesOptions() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(0, run(out, err, "http-load", "--help"));
        assertTrue(out.text().contains("--pipeline N"), out.text());
        assertEquals(0, run(out, err, "http-server", "--help"));
        assertEquals("", err.text());
    }

    @Test
    void optionsHaveTheDocumentedDefaults() {
        ExampleOptions server = ExampleOptions.parse(Kind.SERVER);
        assertEquals(3000, server.port());
        assertNull(server.host());
        assertNull(server.backend());
        ExampleOptions client = ExampleOptions.parse(Kind.CLIENT, "--port=8080", "--pipeline", "16");
        assertEquals("127.0.0.1", client.host());
        assertEquals(8080, client.port());
        assertEquals(100, client.connections());
        assertEquals(16, client.pipeline());
        assertEquals(10, client.durationSeconds());
        assertEquals(0, client.warmupSeconds());
        assertEquals(5, ExampleOptions.parse(Kind.CLIENT, "--warmup", "5").warmupSeconds());
    }

    @Test
    void badValuesAreRejectedWithTheRange() {
        ExampleOptions.UsageException e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.CLIENT, "--connections", "many"));
        assertEquals("option --connections 'many' is not a whole number; expected 1 to 1000000", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class, () -> ExampleOptions.parse(Kind.SERVER, "--port"));
        assertEquals("option --port needs a value", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class, () -> ExampleOptions.parse(Kind.SERVER, "--port", "-1"));
        assertEquals("option --port -1 is out of range; expected 0 to 65535", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class, () -> ExampleOptions.parse(Kind.CLIENT, "--warmup", "-1"));
        assertEquals("option --warmup -1 is out of range; expected 0 to 86400", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class, () -> ExampleOptions.parse(Kind.SERVER, "--warmup", "1"));
        assertTrue(e.getMessage().contains("--warmup (it belongs to http-load)"), e.getMessage());
    }

    @Test
    void threadsInstancesAndResponseSizeAreCheckedAndBelongToTheirExamples() {
        assertEquals(1, ExampleOptions.parse(Kind.SERVER).threads());
        assertEquals(4, ExampleOptions.parse(Kind.SERVER, "--threads", "4").threads());
        assertEquals(-1, ExampleOptions.parse(Kind.HTTP_SERVER).responseSize());
        assertEquals(65536, ExampleOptions.parse(Kind.HTTP_SERVER, "--response-size=65536").responseSize());
        assertEquals(3, ExampleOptions.parse(Kind.HTTP_AND_TCP, "--instances", "3").instances());
        ExampleOptions.UsageException e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.SERVER, "--threads", "0"));
        assertEquals("option --threads 0 is out of range; expected 1 to 1024", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.HTTP_SERVER, "--threads", "2000"));
        assertEquals("option --threads 2000 is out of range; expected 1 to 1024", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.HTTP_SERVER, "--threads", "two"));
        assertEquals("option --threads 'two' is not a whole number; expected 1 to 1024", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.HTTP_SERVER, "--response-size", "-16"));
        assertEquals("option --response-size -16 is out of range; expected 0 to 16777216", e.getMessage());
        e = assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.HTTP_AND_TCP, "--instances", "0"));
        assertEquals("option --instances 0 is out of range; expected 1 to 1024", e.getMessage());
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, run(out, err, "echo-server", "--response-size", "16"));
        assertTrue(err.text().contains("unknown option --response-size (it belongs to http-server)"), err.text());
        assertEquals(2, run(out, err, "http-load", "--threads", "2"));
        assertTrue(err.text().contains("unknown option --threads (it belongs to http-server and echo-server)"),
                err.text());
        assertEquals(2, run(out, err, "http-server", "--instances", "2"));
        assertTrue(err.text().contains("unknown option --instances (it belongs to vertx-embedded)"), err.text());
        assertEquals("", out.text());
        assertEquals(0, run(out, err, "http-server", "--help"));
        assertTrue(out.text().contains("--threads N") && out.text().contains("--response-size N"), out.text());
        assertEquals(0, run(out, err, "vertx-embedded", "--help"));
        assertTrue(out.text().contains("--instances N"), out.text());
    }
}
