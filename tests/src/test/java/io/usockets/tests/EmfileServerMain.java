package io.usockets.tests;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.SocketContext;
import io.usockets.Timer;

import java.io.IOException;

/**
 * The child process of {@link AcceptBackoffTest}: an echo server meant to run under a small descriptor limit
 * ({@code ulimit -n}). It prints {@code port N} once it is warmed up and {@code iterations N} (the loop's iteration
 * count) once per second. It exits when its standard input closes or after a minute, whichever comes first.
 *
 * <p>Everything it will need once descriptors run out (classes, logging) is loaded before it prints the port:
 * a JVM that is out of descriptors cannot open a class file or a logging configuration.
 */
public final class EmfileServerMain {

    private EmfileServerMain() {
    }

    /** {@code args[0]}: the backend name. */
    public static void main(String[] args) {
        String backend = args[0];
        System.getLogger(EmfileServerMain.class.getName()).log(System.Logger.Level.INFO,
                "emfile echo server starting on backend " + backend);
        Thread watchdog = new Thread(EmfileServerMain::exitWhenStdinCloses, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        Loop loop = Loop.create(LoopOptions.builder().backend(backend).build());
        SocketContext<Void, Void> server = loop.createSocketContext();
        server.onData((s, data) -> s.write(data));
        ListenSocket listen = server.listen("127.0.0.1", 0);
        int port = listen.port();

        Timer<Void> ticker = loop.createTimer(false);
        ticker.set(t -> {
            System.out.println("iterations " + loop.iterationNumber());
            System.out.flush();
        }, 1000, 1000);

        // Warm up: one echo through the server with a client of the same loop, then announce the port.
        SocketContext<Void, Void> warmUp = loop.createSocketContext();
        warmUp.onOpen((s, client) -> s.write(java.nio.ByteBuffer.wrap(new byte[] {'w'})));
        warmUp.onData((s, data) -> {
            s.close();
            System.out.println("port " + port);
            System.out.flush();
        });
        warmUp.onConnectError((s, code, reason) -> {
            System.out.println("warm-up connect failed: " + code + " " + reason);
            System.exit(2);
        });
        warmUp.connect("127.0.0.1", port);
        loop.run();
    }

    /** Exits when the parent closes our standard input (or dies), or after a minute in any case. */
    private static void exitWhenStdinCloses() {
        Thread timeLimit = new Thread(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(3);
        }, "time-limit");
        timeLimit.setDaemon(true);
        timeLimit.start();
        try {
            while (System.in.read() >= 0) {
                // Nothing is expected on standard input; only its end matters.
            }
        } catch (IOException e) {
            // Treated as the end of standard input.
        }
        Runtime.getRuntime().halt(0);
    }
}
