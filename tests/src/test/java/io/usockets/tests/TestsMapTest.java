package io.usockets.tests;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/TESTS.md, the map of the suite, cannot go stale: it lists every test method of this module, each with the
 * cases it runs on (read from its annotations) and whether the native fallback route runs it again (read from the
 * {@code native-fallback-route} execution in tests/pom.xml). A failure names each scenario missing from the map,
 * listed there but gone, or listed with other cases than it runs on.
 */
class TestsMapTest {

    /** A row of the map: | `Class.method` | runs on | fallback route |. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([A-Za-z0-9_]+\\.[A-Za-z0-9_]+)`\\s*\\|([^|]*)\\|([^|]*)\\|");
    /** A row of the plain-only table: | `Class.method` | why not TLS |. */
    private static final Pattern PLAIN_ROW = Pattern.compile("^\\|\\s*`([A-Za-z0-9_]+\\.[A-Za-z0-9_]+)`\\s*\\|[^|]*\\|\\s*$");
    /** A class of the fallback-route execution: <include>**&#47;EchoTest.java</include>. */
    private static final Pattern INCLUDE = Pattern.compile("<include>\\*\\*/([A-Za-z0-9_]+)\\.java</include>");

    /** What a scenario's annotations say it runs on, in the map's words. */
    static String runsOn(Method method) {
        if (method.isAnnotationPresent(FuzzTest.class)) {
            return "scripted kernel";
        }
        ParameterizedTest parameterized = method.getAnnotation(ParameterizedTest.class);
        if (parameterized == null) {
            return "once";
        }
        MethodSource source = method.getAnnotation(MethodSource.class);
        if (source == null || source.value().length != 1) {
            return "other";
        }
        boolean tlsPackage = method.getDeclaringClass().getPackageName().endsWith(".tls");
        return switch (source.value()[0]) {
            case "io.usockets.tests.Mode#backendsAndModes" -> "backends × modes";
            case "io.usockets.tests.Mode#backendsPlainOnly" -> "backends, plain";
            case "io.usockets.tests.Backends#names" -> tlsPackage ? "backends, TLS" : "backends";
            default -> "own: " + source.value()[0];
        };
    }

    @Test
    void docsTestsListsEveryScenarioWithTheCasesItRunsOn() throws Exception {
        Set<String> fallbackClasses = fallbackRouteClasses();
        Map<String, String> actual = new TreeMap<>();
        for (Class<?> testClass : testClasses()) {
            for (Method m : testClass.getDeclaredMethods()) {
                if (isTest(m)) {
                    String route = fallbackClasses.contains(testClass.getSimpleName()) ? "yes" : "no";
                    actual.put(testClass.getSimpleName() + "." + m.getName(), runsOn(m) + " | " + route);
                }
            }
        }
        Map<String, String> documented = new TreeMap<>();
        List<String> duplicates = new ArrayList<>();
        for (String line : Files.readAllLines(RepositoryFiles.root().resolve("docs/TESTS.md"), StandardCharsets.UTF_8)) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                String previous = documented.put(row.group(1), row.group(2).strip() + " | " + row.group(3).strip());
                if (previous != null) {
                    duplicates.add(row.group(1));
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : actual.entrySet()) {
            String doc = documented.get(e.getKey());
            if (doc == null) {
                problems.add("missing from docs/TESTS.md: | `" + e.getKey() + "` | " + e.getValue() + " |");
            } else if (!doc.equals(e.getValue())) {
                problems.add("docs/TESTS.md says " + e.getKey() + " runs on '" + doc + "'; it runs on '" + e.getValue()
                        + "'");
            }
        }
        for (String name : documented.keySet()) {
            if (!actual.containsKey(name)) {
                problems.add("in docs/TESTS.md but no such test method: " + name);
            }
        }
        for (String name : duplicates) {
            problems.add("listed twice in docs/TESTS.md: " + name);
        }
        assertTrue(actual.size() > 100, "found only " + actual.size() + " test methods: is the class path right?");
        if (!problems.isEmpty()) {
            fail(problems.size() + " difference(s) between docs/TESTS.md and the test classes:\n"
                    + String.join("\n", problems));
        }
    }

    @Test
    void everyPlainOnlyScenarioHasItsReasonInModeAndInTheMap() throws Exception {
        Set<String> plainOnly = new TreeSet<>();
        for (Class<?> testClass : testClasses()) {
            for (Method m : testClass.getDeclaredMethods()) {
                if (isTest(m) && runsOn(m).equals("backends, plain")) {
                    plainOnly.add(testClass.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertEquals(new TreeSet<>(Mode.PLAIN_ONLY.keySet()), plainOnly,
                "Mode.PLAIN_ONLY (the reason each plain-only scenario does not run in TLS mode) and the scenarios that"
                        + " use Mode#backendsPlainOnly");
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(RepositoryFiles.root().resolve("docs/TESTS.md"), StandardCharsets.UTF_8)) {
            Matcher row = PLAIN_ROW.matcher(line);
            if (row.find()) {
                documented.add(row.group(1));
            }
        }
        assertEquals(plainOnly, documented, "the plain-only table of docs/TESTS.md");
    }

    private static boolean isTest(Method m) {
        return m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class)
                || m.isAnnotationPresent(RepeatedTest.class) || m.isAnnotationPresent(TestFactory.class)
                || m.isAnnotationPresent(TestTemplate.class) || m.isAnnotationPresent(FuzzTest.class);
    }

    /** Top-level classes compiled into this module's test-classes directory that hold a test method. */
    static List<Class<?>> testClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(TestsMapTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$"))
                    .forEach(p -> {
                        String relative = classes.relativize(p).toString().replace('\\', '/');
                        names.add(relative.substring(0, relative.length() - ".class".length()).replace('/', '.'));
                    });
        }
        List<Class<?>> result = new ArrayList<>();
        for (String name : names) {
            Class<?> c = Class.forName(name, false, TestsMapTest.class.getClassLoader());
            for (Method m : c.getDeclaredMethods()) {
                if (isTest(m)) {
                    result.add(c);
                    break;
                }
            }
        }
        return result;
    }

    /** The classes tests/pom.xml's native-fallback-route execution includes. */
    static Set<String> fallbackRouteClasses() throws IOException {
        String pom = Files.readString(RepositoryFiles.root().resolve("tests/pom.xml"), StandardCharsets.UTF_8);
        int at = pom.indexOf("<id>native-fallback-route</id>");
        assertTrue(at >= 0, "tests/pom.xml has no native-fallback-route execution");
        String execution = pom.substring(at, pom.indexOf("</execution>", at));
        Set<String> classes = new TreeSet<>();
        Matcher m = INCLUDE.matcher(execution);
        while (m.find()) {
            classes.add(m.group(1));
        }
        return classes;
    }
}
