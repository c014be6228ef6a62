// Package network analyses a subgraph of the hub: it loads the
// neighbourhood of some nodes (or the nodes a filter selects) by
// breadth-first frontier expansion over the Store — one FindRelationships
// call and one NodesByID call per level, never the whole graph — and
// computes shortest paths, centralities (degree, betweenness, closeness,
// eigenvector), communities (Louvain) and modularity, brokers between
// pilots, and the difference between the network on two dates.
//
// Every algorithm documents its time and space complexity and refuses an
// input larger than its limit with an ETOOLARGE hub error instead of
// running for minutes: the limits are the exported constants below (see
// MaxNodes and MaxBetweennessNodes). Results are deterministic: ties are
// broken by node id, and randomised algorithms take a seed.
//
// Metrics are computed on the undirected simple graph: parallel
// relationships between two nodes count once and self-loops are ignored,
// the definitions of networkx, against which the tests check every
// metric (see testdata/oracle.py).
package network
