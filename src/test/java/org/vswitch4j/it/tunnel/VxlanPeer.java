package org.vswitch4j.it.tunnel;

import java.net.InetAddress;
import org.vswitch4j.core.Switch;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.VirtualHost;

/**
 * The second JVM of {@link TwoJvmTunnelTest}: a switch with a host (192.0.2.2) and a VXLAN or Geneve port on
 * 127.0.0.2:PORT to 127.0.0.1:PORT. Prints {@code READY}, then reads commands on stdin while it keeps its switch
 * and host running: {@code ping ADDRESS} (answers {@code REPLY} or {@code FAILED ...}), {@code quit}. Exits on
 * end of input or after 60 s, whichever is first.
 *
 * <p>Arguments: {@code vxlan|geneve PORT}.
 */
public final class VxlanPeer {
    private VxlanPeer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (Site site = new Site(args[0], "127.0.0.2", "127.0.0.1", port, "192.0.2.2", 0x0200_0000_0002L)) {
            Switch sw = site.sw;
            VirtualHost host = site.host;
            System.out.println("READY");
            System.out.flush();
            java.io.InputStream in = System.in; // unbuffered: available() must tell what read() will give
            StringBuilder line = new StringBuilder();
            while (System.nanoTime() < deadline) {
                sw.poll();
                host.process();
                while (in.available() > 0) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    if (c != '\n') {
                        line.append((char) c);
                        continue;
                    }
                    String cmd = line.toString().trim();
                    line.setLength(0);
                    if (cmd.equals("quit")) {
                        return;
                    }
                    if (cmd.startsWith("ping ")) {
                        PingResult r = host.ping(InetAddress.getByName(cmd.substring(5)));
                        System.out.println(r.success() ? "REPLY" : "FAILED " + r);
                        System.out.flush();
                    }
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        }
    }
}
