package io.usockets.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The repository cites only its own documents: no file names the design notes kept outside it (its decided rules
 * are docs/RULES.md, cited as "docs/RULES.md I3" or "B10"). The patterns are spelt in pieces here so that this file
 * does not match them itself.
 */
class OutsideDocumentsTest {

    /** What no file may mention. */
    static final List<String> OUTSIDE = List.of(".." + "/shared", "DESIGN" + ".md", "SEMANTICS" + ".md",
            "API-INVENTORY" + ".md", "STYLE" + ".md");

    @Test
    void noFileCitesADocumentOutsideTheRepository() throws IOException {
        Path root = RepositoryFiles.root();
        List<String> found = new ArrayList<>();
        int checked = 0;
        for (Path file : RepositoryFiles.all()) {
            byte[] bytes = Files.readAllBytes(root.resolve(file));
            if (isBinary(bytes)) {
                continue;
            }
            checked++;
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                for (String outside : OUTSIDE) {
                    if (lines[i].contains(outside)) {
                        found.add(file + ":" + (i + 1) + " mentions " + outside + ": " + lines[i].strip());
                    }
                }
            }
        }
        if (!found.isEmpty()) {
            fail(found.size() + " mention(s) of documents outside the repository in " + checked + " files"
                    + "; cite docs/RULES.md instead:\n" + String.join("\n", found));
        }
    }

    private static boolean isBinary(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, 8000); i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }
}
