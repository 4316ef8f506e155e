package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import io.usockets.examples.ExampleOptions.UsageException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The examples jar's entry point: {@code java -jar usockets-examples.jar NAME [options]}. Without a name it lists
 * the examples; an unknown name or a bad option exits with code 2, a failure at run time with code 1.
 */
public final class Main {

    /** One runnable example. */
    private record Example(String name, Kind kind, String description, Entry entry) {
    }

    /** An example's command-line entry; returns the exit code. */
    @FunctionalInterface
    private interface Entry {
        int run(ExampleOptions options, PrintStream out, PrintStream err);
    }

    private static final List<Example> EXAMPLES = List.of(
            new Example("http-server", Kind.HTTP_SERVER,
                    "answers every HTTP/1.1 request with a fixed page (uSockets' http_server)", HttpServer::main),
            new Example("echo-server", Kind.SERVER,
                    "writes every byte it receives back to its sender (uSockets' echo_server)", EchoServer::main),
            new Example("udp-echo", Kind.SERVER,
                    "sends every UDP datagram back to its sender, a batch per send (uSockets' udp_benchmark server)",
                    UdpEcho::main),
            new Example("http-load", Kind.CLIENT,
                    "HTTP/1.1 load generator; prints requests/s (uSockets' http_load_test)", HttpLoad::main),
            new Example("vertx-embedded", Kind.HTTP_AND_TCP,
                    "one Vert.x event loop: HTTP /count and a us_* INC/GET line server sharing a counter",
                    VertxEmbedded::main));

    private Main() {
    }

    /** Runs the example named by the first argument and exits with its code. */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the example named by {@code args[0]} with the other arguments; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            list(out);
            return 0;
        }
        Example example = find(args[0]);
        if (example == null) {
            err.println("unknown example '" + args[0] + "'");
            list(err);
            return 2;
        }
        try {
            ExampleOptions options = ExampleOptions.parse(example.kind(), Arrays.asList(args).subList(1, args.length));
            if (options.help()) {
                out.println("Usage: java -jar usockets-examples.jar " + example.name() + " [options]");
                out.println(example.description());
                out.print(ExampleOptions.describe(example.kind()));
                out.flush();
                return 0;
            }
            return example.entry().run(options, out, err);
        } catch (UsageException e) {
            err.println(example.name() + ": " + e.getMessage());
            err.println("Try: java -jar usockets-examples.jar " + example.name() + " --help");
            return 2;
        } catch (RuntimeException e) {
            err.println(example.name() + " failed: " + describe(e));
            return 1;
        }
    }

    private static Example find(String name) {
        for (Example e : EXAMPLES) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static void list(PrintStream out) {
        out.println("Usage: java -jar usockets-examples.jar NAME [options]   (NAME --help lists the options)");
        out.println("Examples:");
        for (Example e : EXAMPLES) {
            out.printf("  %-15s %s%n", e.name(), e.description());
        }
        out.flush();
    }

    /** The exception's message and those of its causes, for one line on standard error. */
    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e));
        Throwable c = e.getCause();
        for (int depth = 0; c != null && depth < 5; depth++, c = c.getCause()) {
            b.append(": caused by ").append(c);
        }
        return b.toString();
    }
}
