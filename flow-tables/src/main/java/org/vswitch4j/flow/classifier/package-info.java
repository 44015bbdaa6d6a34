/**
 * The flow classifier of the OpenFlow tables: tuple-space search over one hash table per distinct mask,
 * with priority-ordered subtables and early exit, staged lookup, prefix tries for the IP address fields
 * (so lookups un-wildcard as few key bits as the answer needs) and versioned rules (so a batch of flow
 * changes becomes visible at once). Internal to the flow-tables module: {@code org.vswitch4j.flow}'s tables
 * are built on it.
 */
package org.vswitch4j.flow.classifier;
