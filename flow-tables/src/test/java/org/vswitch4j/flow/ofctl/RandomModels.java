package org.vswitch4j.flow.ofctl;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FieldRef;
import org.vswitch4j.flow.FlowFlag;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.LearnSpec;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.OfPort;
import org.vswitch4j.flow.PacketIn;

/**
 * Random models built with the model's own constructors and builders (not from text): every match field with
 * its prerequisites, exact and masked; every action kind; instructions; flow, group and meter mods. The
 * reference side of the round-trip property {@code parse(print(x)) == x}.
 */
final class RandomModels {
    private final Random r;

    RandomModels(Random r) {
        this.r = r;
    }

    /** The prerequisites of {@code f}, added to {@code b} so that {@code f} may be matched. */
    static void prereqs(Match.Builder b, MatchField f, Random r) {
        switch (f.prereq()) {
            case NONE -> {
            }
            case IN_PORT -> b.exact(MatchField.IN_PORT, 1 + r.nextInt(100));
            case VLAN -> b.masked(MatchField.VLAN_VID, 0x1000, 0x1000);
            case IP_ANY -> b.exact(MatchField.ETH_TYPE, r.nextBoolean() ? 0x0800 : 0x86dd);
            case IPV4 -> b.exact(MatchField.ETH_TYPE, 0x0800);
            case IPV6 -> b.exact(MatchField.ETH_TYPE, 0x86dd);
            case ARP -> b.exact(MatchField.ETH_TYPE, r.nextBoolean() ? 0x0806 : 0x8035);
            case TCP, UDP, SCTP -> {
                b.exact(MatchField.ETH_TYPE, r.nextBoolean() ? 0x0800 : 0x86dd);
                b.exact(MatchField.IP_PROTO, f.prereq() == MatchField.Prereq.TCP ? 6
                        : f.prereq() == MatchField.Prereq.UDP ? 17 : 132);
            }
            case ICMPV4 -> b.exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 1);
            case ICMPV6 -> b.exact(MatchField.ETH_TYPE, 0x86dd).exact(MatchField.IP_PROTO, 58);
            case ND, ND_SOLICIT, ND_ADVERT -> b.exact(MatchField.ETH_TYPE, 0x86dd).exact(MatchField.IP_PROTO, 58)
                    .exact(MatchField.ICMPV6_TYPE, f.prereq() == MatchField.Prereq.ND_ADVERT ? 136
                            : f.prereq() == MatchField.Prereq.ND_SOLICIT ? 135 : 135 + r.nextInt(2));
        }
    }

    /** Random bits of {@code f}'s width: {high, low}. */
    long[] bits(MatchField f) {
        return new long[] {r.nextLong() & f.widthMaskHigh(), small() & f.widthMaskLow()};
    }

    /** Mostly small numbers, sometimes anything: both shapes print differently. */
    private long small() {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(16);
            case 1 -> r.nextInt(65536);
            default -> r.nextLong();
        };
    }

    /** Adds {@code f} exactly or (where maskable) with a random mask, after its prerequisites. */
    void addField(Match.Builder b, MatchField f) {
        if (b.has(f)) {
            return;
        }
        prereqs(b, f, r);
        if (b.has(f)) {
            return;
        }
        long[] v = bits(f);
        if (f == MatchField.ETH_TYPE) {
            v[1] = new long[] {0x0800, 0x86dd, 0x0806, 0x8035, 0x88cc, 0x8847}[r.nextInt(6)];
        }
        if (f == MatchField.IP_PROTO) {
            v[1] = new int[] {1, 2, 6, 17, 58, 132, 47}[r.nextInt(7)];
        }
        if (f.maskable() && r.nextBoolean()) {
            long[] m = bits(f);
            if (m[0] == 0 && m[1] == 0) {
                m[1] = 1;
            }
            b.masked128(f, v[0], v[1], m[0], m[1]);
        } else {
            b.masked128(f, v[0], v[1], f.widthMaskHigh(), f.widthMaskLow());
        }
    }

    Match match() {
        Match.Builder b = Match.builder();
        int n = r.nextInt(7);
        MatchField[] all = MatchField.values();
        for (int i = 0; i < n; i++) {
            MatchField f = all[r.nextInt(all.length)];
            try {
                Match.Builder trial = Match.Builder.from(b.build());
                addField(trial, f);
                trial.build();
                addField(b, f);
            } catch (FlowModException e) {
                // The random field clashes with what is there (another protocol): leave it out.
            }
        }
        return b.build();
    }

    /** Bits of a register (what multipath and bundle_load write, and Open vSwitch takes as NXM fields). */
    FieldRef regRef() {
        MatchField f = MatchField.values()[MatchField.REG0.ordinal() + r.nextInt(16)];
        int bits = 1 + r.nextInt(32);
        return r.nextInt(3) == 0 ? FieldRef.of(f) : new FieldRef(f, r.nextInt(32 - bits + 1), bits);
    }

    Action.HashFields hashFields() {
        return Action.HashFields.values()[r.nextInt(Action.HashFields.values().length)];
    }

    /** A reference to bits of a field an action may write (load, move and learn destinations). */
    FieldRef writableRef(int maxBits) {
        while (true) {
            FieldRef f = ref(maxBits);
            if (Action.writable(f.field())) {
                return f;
            }
        }
    }

    FieldRef ref(int maxBits) {
        MatchField[] all = MatchField.values();
        while (true) {
            MatchField f = all[r.nextInt(all.length)];
            if (f == MatchField.IN_PHY_PORT || f == MatchField.CONJ_ID) {
                continue;
            }
            int w = f.width();
            int bits = 1 + r.nextInt(Math.min(w, maxBits));
            int off = r.nextInt(w - bits + 1);
            return r.nextInt(3) == 0 && bits == w ? FieldRef.of(f) : new FieldRef(f, off, bits);
        }
    }

    FieldRef refOfWidth(int bits) {
        MatchField[] all = MatchField.values();
        while (true) {
            MatchField f = all[r.nextInt(all.length)];
            if (Action.writable(f) && f.width() >= bits) {
                return new FieldRef(f, r.nextInt(f.width() - bits + 1), bits);
            }
        }
    }

    long port() {
        return switch (r.nextInt(4)) {
            case 0 -> new long[] {OfPort.IN_PORT, OfPort.NORMAL, OfPort.FLOOD, OfPort.ALL, OfPort.CONTROLLER,
                OfPort.LOCAL, OfPort.TABLE}[r.nextInt(7)];
            case 1 -> 1 + r.nextInt(OfPort.MAX > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) OfPort.MAX);
            default -> 1 + r.nextInt(1000);
        };
    }

    /** One action of kind {@code kind} (0..{@link #ACTION_KINDS}-1), each kind of the sealed interface once. */
    Action action(int kind) {
        return switch (kind) {
            case 0 -> {
                long p = port();
                yield r.nextBoolean() ? Action.Output.to(p) : new Action.Output(p, r.nextInt(65536));
            }
            case 1 -> new Action.Group(r.nextInt(1 << 20));
            case 2 -> {
                MatchField f;
                do {
                    f = MatchField.values()[r.nextInt(MatchField.values().length)];
                } while (!Action.writable(f));
                long[] v = bits(f);
                if (r.nextBoolean()) {
                    yield new Action.SetField(f, v[0], v[1], f.widthMaskHigh(), f.widthMaskLow());
                }
                long[] m = bits(f);
                yield new Action.SetField(f, v[0], v[1], m[0], m[1]);
            }
            case 3 -> new Action.PushVlan(r.nextBoolean() ? 0x8100 : 0x88a8);
            case 4 -> new Action.PopVlan();
            case 5 -> {
                List<Integer> ids = new ArrayList<>();
                for (int i = r.nextInt(3); i > 0; i--) {
                    ids.add(r.nextInt(65536));
                }
                yield new Action.DecTtl(ids);
            }
            case 6 -> new Action.SetTtl(r.nextInt(256));
            case 7 -> new Action.SetQueue(r.nextInt(1 << 30));
            case 8 -> {
                int table = r.nextInt(256) - 1;
                long p = table < 0 || r.nextBoolean() ? port() : OfPort.IN_PORT;
                if (p == OfPort.IN_PORT && table < 0) {
                    table = r.nextInt(255);
                }
                yield new Action.Resubmit(p, table);
            }
            case 9 -> {
                FieldRef dst = writableRef(128);
                long[] v = {0, 0};
                if (dst.bits() > 64) {
                    v[0] = r.nextLong() >>> (128 - dst.bits());
                    v[1] = r.nextLong();
                } else {
                    v[1] = dst.bits() == 64 ? r.nextLong() : r.nextLong() >>> (64 - dst.bits());
                }
                yield new Action.Load(dst, v[0], v[1]);
            }
            case 10 -> {
                FieldRef src = ref(128);
                yield new Action.Move(src, refOfWidth(src.bits()));
            }
            case 11 -> {
                byte[] b = new byte[r.nextInt(12)];
                r.nextBytes(b);
                yield new Action.Note(b);
            }
            case 12 -> new Action.OutputReg(ref(32), r.nextBoolean() ? 0xffff : r.nextInt(65536));
            case 13 -> {
                int n = 2 + r.nextInt(63);
                yield new Action.Conjunction(r.nextInt() & 0xffff_ffffL, 1 + r.nextInt(n), n);
            }
            case 14 -> new Action.Learn(learn());
            case 15 -> new Action.Exit();
            case 16 -> new Action.PopQueue();
            case 17 -> {
                // 0..3 actions of any kind: now and then a clone inside (1.5 / 18 per clone, so the nesting ends)
                List<Action> inner = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    inner.add(action(r.nextInt(ACTION_KINDS)));
                }
                yield new Action.Clone(inner);
            }
            case 18 -> {
                // at least one option off its default: the all-default form is an Output to CONTROLLER
                PacketIn.Reason reason = PacketIn.Reason.values()[r.nextInt(PacketIn.Reason.values().length)];
                int id = r.nextBoolean() ? 0 : r.nextInt(65536);
                byte[] userdata = new byte[r.nextBoolean() ? 0 : 1 + r.nextInt(8)];
                r.nextBytes(userdata);
                if (reason == PacketIn.Reason.ACTION && id == 0 && userdata.length == 0) {
                    id = 1 + r.nextInt(65535);
                }
                yield new Action.Controller(r.nextBoolean() ? 0xffff : r.nextInt(65536), reason, id, userdata);
            }
            case 19 -> new Action.StackPush(ref(128));
            case 20 -> new Action.StackPop(writableRef(128));
            case 21 -> {
                FieldRef dst = regRef();
                int links = 1 + r.nextInt(dst.bits() >= 16 ? 65536 : 1 << dst.bits());
                yield new Action.Multipath(hashFields(), r.nextInt(65536),
                        Action.MultipathAlgorithm.values()[r.nextInt(4)], links, r.nextInt(3) == 0 ? r.nextLong(1L << 32)
                        : r.nextInt(64), dst);
            }
            case 22 -> {
                List<Long> members = new ArrayList<>();
                long[] reserved = {OfPort.IN_PORT, OfPort.TABLE, OfPort.NORMAL, OfPort.FLOOD, OfPort.ALL, OfPort.LOCAL,
                    OfPort.ANY};
                for (int i = r.nextInt(6); i > 0; i--) {
                    members.add(r.nextInt(4) == 0 ? reserved[r.nextInt(reserved.length)] : 1 + r.nextInt(0xfeff));
                }
                yield new Action.Bundle(hashFields(), r.nextInt(65536), Action.BundleAlgorithm.values()[r.nextInt(2)],
                        members, r.nextBoolean() ? null : regRef());
            }
            case 23 -> {
                FieldRef reg = regRef();
                yield new Action.CheckPktLarger(r.nextInt(65536), new FieldRef(reg.field(), r.nextInt(32), 1));
            }
            case 24 -> new Action.OutputTrunc(r.nextInt(4) == 0 ? (r.nextBoolean() ? OfPort.LOCAL : OfPort.IN_PORT)
                    : 1 + r.nextInt(0xfeff), 14 + (r.nextBoolean() ? r.nextInt(200) : (long) r.nextInt(Integer.MAX_VALUE)));
            default -> throw new IllegalArgumentException("action kind " + kind + " is outside 0.." + (ACTION_KINDS - 1));
        };
    }

    /** How many kinds {@link #action(int)} knows: one per record of {@link Action}. */
    static final int ACTION_KINDS = 25;

    LearnSpec learn() {
        List<LearnSpec.Item> items = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
            items.add(switch (r.nextInt(5)) {
                case 0 -> {
                    FieldRef d = ref(128);
                    yield new LearnSpec.MatchField(d, r.nextBoolean() ? d : refOfWidth(d.bits()));
                }
                case 1 -> {
                    FieldRef d = r.nextBoolean() ? FieldRef.of(ref(128).field()) : ref(128);
                    long[] v = value(d);
                    yield new LearnSpec.MatchValue(d, v[0], v[1]);
                }
                case 2 -> {
                    FieldRef s = ref(128);
                    yield new LearnSpec.LoadField(s, refOfWidth(s.bits()));
                }
                case 3 -> {
                    FieldRef d = writableRef(128);
                    long[] v = value(d);
                    yield new LearnSpec.LoadValue(v[0], v[1], d);
                }
                default -> new LearnSpec.OutputField(ref(32));
            });
        }
        return new LearnSpec(r.nextInt(255), r.nextBoolean() ? FlowMod.DEFAULT_PRIORITY : r.nextInt(65536),
                r.nextInt(3) == 0 ? r.nextInt(65536) : 0, r.nextInt(3) == 0 ? r.nextInt(65536) : 0,
                r.nextInt(3) == 0 ? r.nextInt(65536) : 0, r.nextInt(3) == 0 ? r.nextInt(65536) : 0,
                r.nextBoolean() ? 0 : r.nextLong(), r.nextBoolean(), r.nextBoolean(),
                r.nextBoolean() ? 0 : r.nextInt(1000), r.nextInt(4) == 0 ? writableRef(1) : null, items);
    }

    private long[] value(FieldRef d) {
        if (d.bits() > 64) {
            return new long[] {r.nextLong() >>> (128 - d.bits()), r.nextLong()};
        }
        return new long[] {0, d.bits() == 64 ? r.nextLong() : r.nextLong() >>> (64 - d.bits())};
    }

    List<Action> actions() {
        List<Action> out = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
            out.add(action(r.nextInt(ACTION_KINDS)));
        }
        return out;
    }

    Instructions instructions(int table) {
        long meter = r.nextInt(4) == 0 ? 1 + r.nextInt(1000) : 0;
        boolean clear = r.nextInt(4) == 0;
        List<Action> write = r.nextInt(4) == 0 ? actions() : null;
        long md = r.nextLong();
        long mdMask = r.nextInt(4) == 0 ? (r.nextBoolean() ? -1L : r.nextLong() | 1) : 0;
        int gotoTable = table < 254 && r.nextInt(4) == 0 ? table + 1 + r.nextInt(254 - table) : -1;
        return new Instructions(meter, actions(), clear, write, md, mdMask, gotoTable);
    }

    FlowMod flowMod() {
        FlowMod.Command c = FlowMod.Command.values()[r.nextInt(FlowMod.Command.values().length)];
        boolean delete = c == FlowMod.Command.DELETE || c == FlowMod.Command.DELETE_STRICT;
        int table = delete && r.nextBoolean() ? FlowMod.ALL_TABLES : r.nextInt(255);
        Set<FlowFlag> flags = EnumSet.noneOf(FlowFlag.class);
        for (FlowFlag f : FlowFlag.values()) {
            if (r.nextInt(4) == 0) {
                flags.add(f);
            }
        }
        long cookie = r.nextBoolean() ? 0 : r.nextLong();
        long cookieMask = c == FlowMod.Command.ADD || cookie == 0 && !delete ? 0 : r.nextLong() | 1;
        if (delete && cookie == 0 && r.nextBoolean()) {
            cookieMask = 0;
        }
        return new FlowMod(c, table, r.nextBoolean() ? FlowMod.DEFAULT_PRIORITY : r.nextInt(65536), match(),
                delete ? Instructions.NONE : instructions(Math.min(table, 254)), cookie, cookieMask,
                r.nextInt(3) == 0 ? r.nextInt(65536) : 0, r.nextInt(3) == 0 ? r.nextInt(65536) : 0,
                r.nextInt(3) == 0 ? r.nextInt(65536) : 0, flags, r.nextInt(4) == 0 ? port() : OfPort.ANY,
                r.nextInt(4) == 0 ? r.nextInt(1000) : FlowMod.ANY_GROUP);
    }

    GroupMod group() {
        GroupMod.Type t = GroupMod.Type.values()[r.nextInt(GroupMod.Type.values().length)];
        List<GroupMod.Bucket> buckets = new ArrayList<>();
        int n = t == GroupMod.Type.INDIRECT ? 1 : r.nextInt(4);
        for (int i = 0; i < n; i++) {
            long watchPort = t == GroupMod.Type.FAST_FAILOVER || r.nextInt(4) == 0 ? 1 + r.nextInt(100) : OfPort.ANY;
            long watchGroup = r.nextInt(4) == 0 ? r.nextInt(100) : GroupMod.Bucket.NO_GROUP;
            int weight = t == GroupMod.Type.SELECT ? r.nextInt(65536) : 0;
            buckets.add(new GroupMod.Bucket(weight, watchPort, watchGroup, actions()));
        }
        return new GroupMod(GroupMod.Command.ADD, r.nextInt(1 << 20), t, buckets);
    }

    MeterMod meter() {
        boolean burst = r.nextBoolean();
        List<MeterMod.Band> bands = new ArrayList<>();
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            MeterMod.BandType t = r.nextBoolean() ? MeterMod.BandType.DROP : MeterMod.BandType.DSCP_REMARK;
            bands.add(new MeterMod.Band(t, 1 + r.nextInt(1 << 30), r.nextBoolean() ? 0 : r.nextInt(1 << 20),
                    t == MeterMod.BandType.DSCP_REMARK ? r.nextInt(256) : 0));
        }
        return new MeterMod(MeterMod.Command.ADD, 1 + r.nextInt(1 << 20), r.nextBoolean(), burst, r.nextBoolean(),
                bands);
    }
}
