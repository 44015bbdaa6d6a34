/**
 * The OpenFlow 1.3 pipeline model and its translation into datapath actions: flow tables, flow entries,
 * matches, instructions, actions, groups and meters.
 */
package org.vswitch4j.flow;
