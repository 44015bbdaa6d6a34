package org.vswitch4j.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;
import org.vswitch4j.tunnel.TunnelPort;

/**
 * Two JVMs, one switch each, joined by VXLAN or Geneve over kernel UDP sockets on 127.0.0.1 and 127.0.0.2: this
 * JVM's host (192.0.2.1) pings the other's ({@link VxlanPeer}, 192.0.2.2) and the other pings back, ARP included.
 * No root needed. Every wait is bounded; the peer is stopped by its process handle.
 */
class TwoJvmTunnelTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vxlan", "geneve"})
    void hostsInTwoJvmsPingEachOtherThroughTheTunnel(String kind) throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            port = s.getLocalPort();
        }
        Process peer = startPeer(kind, port);
        try (Site site = new Site(kind, "127.0.0.1", "127.0.0.2", port, "192.0.2.1", 0x0200_0000_0001L)) {
            VirtualHost host = site.host;
            Pump pump = site.pump;
            TunnelPort tunnel = site.tunnel;
            awaitLine(peer, "READY", pump, 30);

            PingResult r = null;
            for (int i = 0; i < 5 && (r == null || !r.success()); i++) {
                r = host.ping(InetAddress.getByName("192.0.2.2"));
            }
            assertTrue(r.success(), kind + ": this JVM -> the peer JVM: " + r + "; " + tunnel.stats());
            for (int i = 0; i < 3; i++) {
                assertTrue(host.ping(InetAddress.getByName("192.0.2.2")).success(), kind + " ping #" + i);
            }
            OutputStream toPeer = peer.getOutputStream();
            toPeer.write("ping 192.0.2.1\n".getBytes(StandardCharsets.US_ASCII));
            toPeer.flush();
            String answer = awaitLine(peer, null, pump, 30);
            assertEquals("REPLY", answer, kind + ": the peer JVM -> this JVM");
            assertEquals(0, tunnel.stats().rxErrors());
            toPeer.write("quit\n".getBytes(StandardCharsets.US_ASCII));
            toPeer.flush();
            assertTrue(peer.waitFor(20, TimeUnit.SECONDS), "the peer JVM did not quit");
            String rest = new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, peer.exitValue(), rest);
            assertTrue(!rest.contains("WARNING"), "the peer JVM printed warnings: " + rest);
        } finally {
            peer.destroy();
            if (!peer.waitFor(10, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
            }
        }
    }

    /** The peer JVM, on this JVM's module path and with its native-access flags. */
    static Process startPeer(String kind, int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java,
                "--enable-native-access=org.vswitch4j.core,org.vswitch4j.tunnel,io.netty.common",
                "--illegal-native-access=deny", "--sun-misc-unsafe-memory-access=deny"));
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath == null || modulePath.isEmpty()) {
            fail("this test runs on the module path (surefire's default for a module); jdk.module.path is unset");
        }
        cmd.addAll(List.of("--module-path", modulePath, "--add-modules", "ALL-MODULE-PATH",
                "-m", "org.vswitch4j.it/" + VxlanPeer.class.getName(), kind, Integer.toString(port)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Reads the peer's next output line (the one equal to {@code want}, when given), pumping this JVM's switch while
     * it waits; fails after {@code seconds}.
     */
    static String awaitLine(Process peer, String want, Pump pump, int seconds) throws Exception {
        InputStream in = peer.getInputStream();
        StringBuilder all = new StringBuilder();
        StringBuilder line = new StringBuilder();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < until) {
            while (in.available() > 0) {
                int c = in.read();
                all.append((char) c);
                if (c == '\n') {
                    String l = line.toString().trim();
                    line.setLength(0);
                    if (want == null ? !l.isEmpty() : l.equals(want)) {
                        return l;
                    }
                } else {
                    line.append((char) c);
                }
            }
            if (!peer.isAlive() && in.available() == 0) {
                fail("the peer JVM exited " + peer.exitValue() + ": " + all);
            }
            pump.pumpOnce();
        }
        fail("no " + (want == null ? "answer" : want) + " from the peer JVM within " + seconds + " s: " + all);
        return null;
    }
}
