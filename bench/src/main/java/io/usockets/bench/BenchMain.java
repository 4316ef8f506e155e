package io.usockets.bench;

import io.usockets.Loop;
import io.usockets.LoopOptions;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code benchmarks.jar}: JMH's own command line, plus one default. Unless {@code -p backend=...}
 * is given, every benchmark's {@code backend} parameter is set to every backend on the class path that creates a
 * loop here ({@link Loop#availableBackends()}), so a newly added backend module is benchmarked without changes.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /** Runs JMH with the given arguments and the discovered backends. */
    public static void main(String[] args) throws RunnerException, IOException {
        CommandLineOptions cli;
        try {
            cli = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
                || cli.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
        if (!cli.getParameter("backend").hasValue()) {
            List<String> backends = usableBackends();
            System.out.println("Benchmarking backends: " + backends);
            options.param("backend", backends.toArray(new String[0]));
        }
        new Runner(options.build()).run();
    }

    /** The available backends that can create a loop on their own (without a foreign loop as hint). */
    static List<String> usableBackends() {
        List<String> usable = new ArrayList<>();
        for (String name : Loop.availableBackends()) {
            try {
                Loop loop = Loop.create(LoopOptions.builder().backend(name).build());
                loop.free();
                usable.add(name);
            } catch (RuntimeException e) {
                System.out.println("Skipping backend " + name + ": " + e);
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalStateException("no usockets backend creates a loop here; available: "
                    + Loop.availableBackends());
        }
        return usable;
    }
}
