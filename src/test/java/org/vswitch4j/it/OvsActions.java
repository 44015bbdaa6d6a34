package org.vswitch4j.it;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code Datapath actions:} line of {@code ovs-appctl ofproto/trace} (the userspace datapath's action
 * syntax: {@code set(eth(dst=..)),push_vlan(vid=10,pcp=0),pop_vlan,3,drop}, {@code check_pkt_len(size=N,gt(..),
 * le(..))}, {@code trunc(N)}, {@code clone(..)}) and runs it on {@link Headers}:
 * the result is one entry per output, naming the OpenFlow port and the headers the packet leaves with. Masked
 * sets ({@code set(ipv4(src=10.0.0.1/255.255.255.0))}) change only the masked bits. Anything else throws
 * {@link IllegalArgumentException}, so that a new kind of action is noticed rather than ignored.
 */
final class OvsActions {
    private OvsActions() {
    }

    static List<String> run(String text, Headers h, PrivateOvs ovs) {
        List<String> outputs = new ArrayList<>();
        long cut = Long.MAX_VALUE; // a trunc(N) waiting for its output
        for (String a : splitTop(text.strip())) {
            if (a.equals("drop")) {
                continue;
            }
            if (a.chars().allMatch(Character::isDigit)) {
                int ofport = ovs.ofport(Integer.parseInt(a));
                if (ofport < 0) {
                    throw new IllegalArgumentException("output to unknown datapath port " + a);
                }
                outputs.add(ofport + ": " + h.cut(cut));
                cut = Long.MAX_VALUE;
            } else if (a.startsWith("trunc(")) {
                cut = Long.parseLong(inner(a));
            } else if (a.startsWith("clone(")) {
                // the datapath's clone (OVS makes one where the actions inside cannot be undone, a trunc say): on a copy
                outputs.addAll(run(inner(a), h.copy(), ovs));
            } else if (a.equals("pop_vlan")) {
                h.popVlan();
            } else if (a.startsWith("check_pkt_len(size=")) {
                // check_pkt_len(size=N,gt(ACTIONS),le(ACTIONS)): the branch of the frame's length, on a copy
                List<String> parts = splitTop(inner(a));
                int size = Integer.parseInt(parts.get(0).substring("size=".length()));
                String branch = h.len > size ? parts.get(1) : parts.get(2);
                if (!branch.startsWith(h.len > size ? "gt(" : "le(")) {
                    throw new IllegalArgumentException("check_pkt_len branches " + a);
                }
                outputs.addAll(run(inner(branch), h.copy(), ovs));
            } else if (a.startsWith("push_vlan(")) {
                int tpid = 0x8100;
                int vid = 0;
                int pcp = 0;
                int cfi = 0;
                for (String kv : splitTop(inner(a))) {
                    String[] p = kv.split("=", 2);
                    int v = Integer.decode(p[1]);
                    switch (p[0]) {
                        case "tpid" -> tpid = v;
                        case "vid" -> vid = v;
                        case "pcp" -> pcp = v;
                        case "cfi" -> cfi = v;
                        default -> throw new IllegalArgumentException("push_vlan field " + p[0]);
                    }
                }
                h.pushVlan(tpid, (pcp << 13) | (cfi << 12) | vid);
            } else if (a.startsWith("set(")) {
                set(inner(a), h);
            } else if (a.startsWith("userspace(") && a.contains("controller(")) {
                // A packet-in (dec_ttl's invalid-TTL exception); neither switch has a controller: nothing leaves.
                continue;
            } else {
                throw new IllegalArgumentException("unhandled datapath action " + a);
            }
        }
        return outputs;
    }

    private static void set(String what, Headers h) {
        int paren = what.indexOf('(');
        String header = what.substring(0, paren);
        for (String kv : splitTop(inner(what))) {
            String[] p = kv.split("=", 2);
            String[] vm = p[1].split("/", 2);
            switch (header + "." + p[0]) {
                case "eth.src" -> h.ethSrc = masked(h.ethSrc, Headers.parseMac(vm[0]),
                        vm.length > 1 ? Headers.parseMac(vm[1]) : -1L);
                case "eth.dst" -> h.ethDst = masked(h.ethDst, Headers.parseMac(vm[0]),
                        vm.length > 1 ? Headers.parseMac(vm[1]) : -1L);
                case "ipv4.src" -> h.ipSrc = (int) masked(h.ipSrc, Headers.parseIp(vm[0]),
                        vm.length > 1 ? Headers.parseIp(vm[1]) : -1L);
                case "ipv4.dst" -> h.ipDst = (int) masked(h.ipDst, Headers.parseIp(vm[0]),
                        vm.length > 1 ? Headers.parseIp(vm[1]) : -1L);
                case "ipv4.tos" -> h.tos = (int) masked(h.tos, Long.decode(vm[0]), mask(vm)) & 0xff;
                case "ipv4.ttl" -> h.ttl = (int) masked(h.ttl, Long.decode(vm[0]), mask(vm)) & 0xff;
                case "tcp.src", "udp.src" -> h.tpSrc = (int) masked(h.tpSrc, Long.decode(vm[0]), mask(vm)) & 0xffff;
                case "tcp.dst", "udp.dst" -> h.tpDst = (int) masked(h.tpDst, Long.decode(vm[0]), mask(vm)) & 0xffff;
                default -> throw new IllegalArgumentException("unhandled set(" + what + ")");
            }
        }
    }

    private static long mask(String[] vm) {
        return vm.length > 1 ? Long.decode(vm[1]) : -1L;
    }

    private static long masked(long old, long v, long m) {
        return (old & ~m) | (v & m);
    }

    private static String inner(String a) {
        return a.substring(a.indexOf('(') + 1, a.lastIndexOf(')'));
    }

    /** Splits at the commas that are not inside parentheses. */
    static List<String> splitTop(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (start < s.length()) {
            parts.add(s.substring(start));
        }
        return parts;
    }
}
