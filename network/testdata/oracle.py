"""networkx's answers for the graph in a JSON file, for network's tests.

Usage: oracle.py GRAPH.json  (prints a JSON object on stdout)

The input holds the nodes ({"id", "kind"}), the relationships ({"id",
"from", "to"}), node pairs for the path searches, k for the k shortest
paths, the Go package's community partition ({node id: label}) and a
seed for networkx's own Louvain run. The metrics are computed on the
undirected simple graph (parallel edges once, self-loops dropped), the
directed paths on the directed simple graph, the degrees in and out on
the directed multigraph.
"""

import itertools
import json
import platform
import sys

import networkx as nx
from networkx.algorithms.community import louvain_communities, modularity

ORGANISATIONS = {"Organisation", "Employer"}


def paths(graph, s, t, k):
    try:
        every = sorted(nx.all_shortest_paths(graph, s, t))
    except nx.NetworkXNoPath:
        every = []
    try:
        simple = list(itertools.islice(nx.shortest_simple_paths(graph, s, t), k))
    except nx.NetworkXNoPath:
        simple = []
    return {"all": every, "simple": simple}


def brokers(G, kind):
    """The pairs of pilots whose only common organisation is the broker,
    from common neighbours in the pilots-organisations graph."""
    B = nx.Graph()
    B.add_nodes_from(n for n in G if kind[n] in ORGANISATIONS or kind[n] == "Pilot")
    B.add_edges_from(
        (u, v)
        for u, v in G.edges()
        if (kind[u] in ORGANISATIONS and kind[v] == "Pilot")
        or (kind[v] in ORGANISATIONS and kind[u] == "Pilot")
    )
    out = []
    for o in B:
        if kind[o] not in ORGANISATIONS:
            continue
        pilots = sorted(B[o])
        pairs = 0
        for a, b in itertools.combinations(pilots, 2):
            if len(list(nx.common_neighbors(B, a, b))) == 1:
                pairs += 1
        if pairs:
            out.append({"nodeId": o, "pilots": len(pilots), "pairs": pairs})
    out.sort(key=lambda b: (-b["pairs"], b["nodeId"]))
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    ids = [n["id"] for n in data["nodes"]]
    kind = {n["id"]: n["kind"] for n in data["nodes"]}
    M = nx.MultiDiGraph()
    M.add_nodes_from(ids)
    M.add_edges_from((e["from"], e["to"]) for e in data["edges"])
    D = nx.DiGraph(M)
    D.remove_edges_from(list(nx.selfloop_edges(D)))
    G = nx.Graph(D)

    out = {
        "python": platform.python_version(),
        "networkx": nx.__version__,
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "components": nx.number_connected_components(G),
        "in_degree": dict(M.in_degree()),
        "out_degree": dict(M.out_degree()),
        "degree": dict(G.degree()),
        "degree_centrality": nx.degree_centrality(G),
        "betweenness": nx.betweenness_centrality(G, normalized=True),
        "betweenness_raw": nx.betweenness_centrality(G, normalized=False),
        "closeness": nx.closeness_centrality(G, wf_improved=True),
    }
    try:
        out["eigenvector"] = nx.eigenvector_centrality(G, max_iter=10000, tol=1e-10)
    except nx.PowerIterationFailedConvergence as e:
        out["eigenvector_error"] = str(e)

    k = data["k"]
    out["paths"] = [
        {"undirected": paths(G, s, t, k), "directed": paths(D, s, t, k)}
        for s, t in data["pairs"]
    ]

    ours = {}
    for node, label in data["partition"].items():
        ours.setdefault(label, set()).add(node)
    out["modularity_ours"] = modularity(G, list(ours.values()))
    theirs = louvain_communities(G, seed=data["louvain_seed"])
    out["louvain_modularity"] = modularity(G, theirs)
    out["louvain_count"] = len(theirs)

    out["brokers"] = brokers(G, kind)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
