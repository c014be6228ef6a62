"""Read an export back with networkx and print what it holds, as JSON.

Usage: roundtrip.py FORMAT PATH [ID ...]

FORMAT is graphml, gexf or json (Cytoscape.js elements). GraphML and GEXF
are read with networkx.read_graphml / read_gexf; Cytoscape JSON with
json.load into a networkx.MultiDiGraph, refusing edges whose ends are not
nodes, as Cytoscape.js does. Prints one JSON object:

  {"directed": bool, "multigraph": bool, "nodes": N, "edges": M,
   "graph": {"truncated": bool},            # when the format carries it
   "node": {ID: {attribute: value}},        # for each ID that is a node
   "edge": {ID: {"source", "target", attribute: value}}}

Used by the Go tests of package export (roundtrip_test.go).
"""

import json
import sys

import networkx as nx


def read_cytoscape(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    g = nx.MultiDiGraph()
    g.graph.update(doc.get("data", {}))
    for el in doc["elements"]["nodes"]:
        data = dict(el["data"])
        node_id = data.pop("id")
        if node_id in g:
            raise ValueError(f"duplicate node id {node_id}")
        g.add_node(node_id, **data)
    for el in doc["elements"]["edges"]:
        data = dict(el["data"])
        edge_id = data["id"]
        source, target = data.pop("source"), data.pop("target")
        for end in (source, target):
            if end not in g:
                raise ValueError(f"edge {edge_id} ends at unknown node {end}")
        g.add_edge(source, target, key=edge_id, **data)
    return g


def main(argv):
    fmt, path, ids = argv[1], argv[2], set(argv[3:])
    if fmt == "graphml":
        g = nx.read_graphml(path)
    elif fmt == "gexf":
        g = nx.read_gexf(path)
    elif fmt == "json":
        g = read_cytoscape(path)
    else:
        raise SystemExit(f"unknown format {fmt}")

    out = {
        "directed": g.is_directed(),
        "multigraph": g.is_multigraph(),
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "graph": {k: v for k, v in g.graph.items() if k == "truncated"},
        "node": {},
        "edge": {},
    }
    for node_id, data in g.nodes(data=True):
        if node_id in ids:
            out["node"][node_id] = dict(data)
    if g.is_multigraph():
        edges = g.edges(keys=True, data=True)
    else:
        edges = ((u, v, None, d) for u, v, d in g.edges(data=True))
    for u, v, key, data in edges:
        edge_id = data.get("id", key)
        if edge_id in ids:
            attrs = {k: val for k, val in data.items() if k != "id"}
            attrs["source"], attrs["target"] = u, v
            out["edge"][edge_id] = attrs
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
