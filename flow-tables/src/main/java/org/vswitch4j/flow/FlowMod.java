package org.vswitch4j.flow;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A flow table modification: what {@code ovs-ofctl add-flow}, {@code mod-flows} and {@code del-flows} (and an
 * OpenFlow {@code OFPT_FLOW_MOD}) carry.
 *
 * @param command      what to do
 * @param table        the table (0..254), or {@link #ALL_TABLES} for a delete in every table
 * @param priority     the entry's priority (0..65535; {@code ovs-ofctl}'s default is 32768)
 * @param match        the match
 * @param instructions the instructions (ignored by deletes)
 * @param cookie       the entry's cookie; for modify and delete, with {@code cookieMask}, which entries
 * @param cookieMask   for modify and delete: the cookie bits that must equal {@code cookie} (0: any entry)
 * @param idleTimeout  seconds without a packet before the entry expires (0: never)
 * @param hardTimeout  seconds after which the entry expires whatever happens (0: never)
 * @param importance   OpenFlow 1.4's eviction importance (kept and reported)
 * @param flags        the entry's flags
 * @param outPort      for deletes: only entries that output to this port ({@link OfPort#ANY}: any)
 * @param outGroup     for deletes: only entries that use this group ({@link #ANY_GROUP}: any)
 */
public record FlowMod(Command command, int table, int priority, Match match, Instructions instructions, long cookie,
                      long cookieMask, int idleTimeout, int hardTimeout, int importance, Set<FlowFlag> flags,
                      long outPort, long outGroup) {

    /** {@code table} of a delete that applies to every table. */
    public static final int ALL_TABLES = 255;
    /** {@code outGroup} that does not restrict a delete. */
    public static final long ANY_GROUP = 0xffffffffL;
    /** OpenFlow's default priority. */
    public static final int DEFAULT_PRIORITY = 0x8000;

    /** What a flow mod does (OpenFlow's {@code ofp_flow_mod_command}). */
    public enum Command {
        /** Add an entry (replacing an identical one, whose counters restart unless flags say otherwise). */
        ADD,
        /**
         * Change the instructions of every entry the match covers (no entry is added when none is covered, as
         * in OpenFlow 1.1 and later).
         */
        MODIFY,
        /** Change the instructions of the entry with exactly this match and priority. */
        MODIFY_STRICT,
        /** Delete every entry the match covers. */
        DELETE,
        /** Delete the entry with exactly this match and priority. */
        DELETE_STRICT
    }

    /** Checks ranges and copies the flags. */
    public FlowMod {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(instructions, "instructions");
        if (table < 0 || table > 255 || table == ALL_TABLES && command != Command.DELETE && command != Command.DELETE_STRICT) {
            throw new FlowModException(OfpError.FLOW_MOD_FAILED_BAD_TABLE_ID, "table " + table
                    + " is outside 0..254 (255 means all tables, for deletes only)");
        }
        if (priority < 0 || priority > 0xffff) {
            throw new FlowModException(OfpError.FLOW_MOD_FAILED_UNKNOWN, "priority " + priority + " is outside 0..65535");
        }
        if (idleTimeout < 0 || idleTimeout > 0xffff || hardTimeout < 0 || hardTimeout > 0xffff) {
            throw new FlowModException(OfpError.FLOW_MOD_FAILED_BAD_TIMEOUT, "timeouts " + idleTimeout + "/" + hardTimeout
                    + " must be in 0..65535 seconds");
        }
        if (importance < 0 || importance > 0xffff) {
            throw new FlowModException(OfpError.FLOW_MOD_FAILED_UNKNOWN, "importance " + importance
                    + " is outside 0..65535");
        }
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
    }

    /** An add of {@code match} at {@code priority} in {@code table}, with no timeouts, flags or cookie. */
    public static FlowMod add(int table, int priority, Match match, Instructions instructions) {
        return new FlowMod(Command.ADD, table, priority, match, instructions, 0, 0, 0, 0, 0, Set.of(), OfPort.ANY,
                ANY_GROUP);
    }

    /** A non-strict delete of every entry in {@code table} that {@code match} covers. */
    public static FlowMod delete(int table, Match match) {
        return new FlowMod(Command.DELETE, table, 0, match, Instructions.NONE, 0, 0, 0, 0, 0, Set.of(), OfPort.ANY,
                ANY_GROUP);
    }

    /** This flow mod with another command. */
    public FlowMod withCommand(Command c) {
        return new FlowMod(c, table, priority, match, instructions, cookie, cookieMask, idleTimeout, hardTimeout,
                importance, flags, outPort, outGroup);
    }

    /** This flow mod with a cookie (and, for modify and delete, a cookie mask). */
    public FlowMod withCookie(long newCookie, long newCookieMask) {
        return new FlowMod(command, table, priority, match, instructions, newCookie, newCookieMask, idleTimeout,
                hardTimeout, importance, flags, outPort, outGroup);
    }

    /** This flow mod with timeouts. */
    public FlowMod withTimeouts(int idle, int hard) {
        return new FlowMod(command, table, priority, match, instructions, cookie, cookieMask, idle, hard, importance,
                flags, outPort, outGroup);
    }

    /** This flow mod with flags. */
    public FlowMod withFlags(Set<FlowFlag> newFlags) {
        return new FlowMod(command, table, priority, match, instructions, cookie, cookieMask, idleTimeout,
                hardTimeout, importance, newFlags, outPort, outGroup);
    }
}
