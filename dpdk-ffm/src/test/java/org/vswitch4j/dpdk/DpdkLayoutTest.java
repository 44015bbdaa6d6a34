package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.dpdk.internal.Layouts;

/**
 * Every offset, size and constant the binding hard-codes, against the installed DPDK headers: compiles
 * {@code layouts.c} with gcc (flags from {@code pkg-config --cflags libdpdk}), runs it, and compares each
 * printed value with {@link Layouts#all()}. A DPDK upgrade that moves a field fails here.
 */
class DpdkLayoutTest {

    @Test
    void everyStructOffsetAndConstantMatchesTheInstalledHeaders(@TempDir Path dir) throws Exception {
        if (!Files.isRegularFile(Path.of("/usr/include/dpdk/rte_ethdev.h"))) {
            TestEal.skip("DPDK's headers are not installed (apt-get install dpdk-dev)");
        }
        Path src = dir.resolve("layouts.c");
        try (InputStream in = DpdkLayoutTest.class.getResourceAsStream("layouts.c")) {
            Files.write(src, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of("gcc", "-o", dir.resolve("layouts").toString(), src.toString()));
        cmd.addAll(1, cflags());
        run(cmd);
        Map<String, Long> c = new LinkedHashMap<>();
        for (String line : run(List.of(dir.resolve("layouts").toString())).split("\n")) {
            String[] f = line.trim().split(" ");
            c.put(f[0], Long.parseUnsignedLong(f[1]));
        }
        Map<String, Long> java = Layouts.all();
        assertEquals(c.keySet(), java.keySet(), "the C program and Layouts.all() name the same values");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : c.entrySet()) {
            if (!e.getValue().equals(java.get(e.getKey()))) {
                wrong.add(e.getKey() + ": headers " + e.getValue() + ", binding " + java.get(e.getKey()));
            }
        }
        assertTrue(wrong.isEmpty(), "the binding disagrees with /usr/include/dpdk: " + wrong);
    }

    /** pkg-config's flags for libdpdk, or the ones it gives on Debian 12 when pkg-config is absent. */
    private static List<String> cflags() throws Exception {
        try {
            String out = run(List.of("pkg-config", "--cflags", "libdpdk")).trim();
            return List.of(out.split("\\s+"));
        } catch (java.io.IOException | AssertionError e) {
            return List.of("-I/usr/include/dpdk", "-I/usr/include/x86_64-linux-gnu/dpdk", "-include", "rte_config.h",
                    "-march=corei7");
        }
    }

    private static String run(List<String> cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            if (cmd.get(0).equals("gcc")) {
                TestEal.skip("gcc is not installed (apt-get install gcc)");
            }
            throw e;
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }
}
