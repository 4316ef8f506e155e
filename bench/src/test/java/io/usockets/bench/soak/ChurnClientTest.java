package io.usockets.bench.soak;

import io.usockets.examples.ExampleOptions;
import io.usockets.examples.HttpServer;
import io.usockets.examples.Running;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every churn operation but the idle one (which waits out the example's 30 s timeout) runs cleanly against the
 * example, plain and TLS; a response cut short is an error.
 */
class ChurnClientTest {

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void everyShortOperationSucceedsAgainstTheExample(boolean tls) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--backend", "nio"));
        if (tls) {
            args.add("--ssl");
        }
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Running example = HttpServer.start(ExampleOptions.parse(ExampleOptions.Kind.SERVER, args), quiet);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        try {
            ChurnClient.Target target = new ChurnClient.Target("example", example.port(), tls, 1);
            ChurnClient client = new ChurnClient(List.of(target),
                    new PrintStream(errors, true, StandardCharsets.UTF_8));
            int runs = 0;
            for (ChurnClient.Op op : ChurnClient.Op.values()) {
                if (op == ChurnClient.Op.IDLE) {
                    continue;
                }
                for (int i = 0; i < 5; i++) {
                    client.run(target, op);
                    runs++;
                }
            }
            assertEquals("", errors.toString(StandardCharsets.UTF_8), "tls=" + tls);
            assertEquals(0, target.errors.get());
            assertEquals(runs, target.ops.get());
        } finally {
            example.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "HTTP/1.1 200 OK\r\nContent-Le"})
    void aResponseCutShortIsAnError(String cut) {
        assertThrows(IOException.class, () -> ChurnClient.readResponses(
                new ByteArrayInputStream(cut.getBytes(StandardCharsets.US_ASCII)), 1));
    }
}
