//! Commands that read: meta, discovery and the views of instances and clusters.

use super::{cmd, get, Command, Kind};
use crate::output::Out;

/// Meta.
pub const META: &[Command] = &[
    cmd("help", "Show available commands", Kind::Help),
    cmd(
        "which-api",
        "Output the API endpoint the client uses (the leader when several are given)",
        Kind::WhichApi,
    ),
    cmd(
        "api",
        "Invoke any API path given with -P/--path and print the raw JSON response",
        Kind::Api,
    ),
];

/// Discovery.
pub const DISCOVERY: &[Command] = &[
    get(
        "discover",
        "Probe an instance now and add it to the inventory (-i)",
        "discover/{instance}",
        Out::DetailsKey,
    ),
    get(
        "async-discover",
        "Probe an instance in the background (-i)",
        "async-discover/{instance}",
        Out::DetailsKey,
    ),
    get("forget", "Forget an instance (-i)", "forget/{instance}", Out::Nothing),
    get(
        "forget-cluster",
        "Forget every instance of a cluster (-i or -a)",
        "forget-cluster/{hint}",
        Out::Nothing,
    ),
    get(
        "snapshot-topologies",
        "Record a snapshot of every known instance's master, on the node asked",
        "snapshot-topologies",
        Out::Details,
    ),
];

/// Views.
pub const VIEWS: &[Command] = &[
    get("clusters", "List all clusters known to orchestrator", "clusters-info", Out::ClusterNames),
    get("clusters-alias", "List all clusters as name,alias", "clusters-info", Out::ClusterAliases),
    get("all-clusters-masters", "List the writable master of every cluster", "masters", Out::Keys),
    get("all-instances", "List every known instance", "all-instances", Out::Keys),
    get(
        "topology",
        "Show the ASCII tree of a cluster (-i member or cluster name, or -a)",
        "topology/{hint}",
        Out::Text,
    ),
    get(
        "topology-tabulated",
        "Show the ASCII tree of a cluster, tabulated (-i or -a)",
        "topology-tabulated/{hint}",
        Out::Text,
    ),
    get(
        "topology-tags",
        "Show the ASCII tree of a cluster with instance tags (-i or -a)",
        "topology-tags/{hint}",
        Out::Text,
    ),
    get(
        "search",
        "List instances whose name contains the text given with -i",
        "search?s={text}",
        Out::Keys,
    ),
    get(
        "instance",
        "Output host:port of an instance orchestrator knows, or fail (-i)",
        "instance/{instance}",
        Out::Key,
    ),
    get("which-instance", "Same as instance (-i)", "instance/{instance}", Out::Key),
    get(
        "dominant-dc",
        "Output the data center where most writable masters are",
        "masters",
        Out::DominantDc,
    ),
    get(
        "which-master",
        "Output the master of an instance (-i)",
        "instance/{instance}",
        Out::MasterKey,
    ),
    get(
        "which-replicas",
        "Output the replicas of an instance (-i)",
        "instance-replicas/{instance}",
        Out::Keys,
    ),
    get(
        "which-cluster",
        "Output the name of the cluster of an instance (-i or -a)",
        "cluster-info/{hint}",
        Out::Field("ClusterName"),
    ),
    get(
        "which-cluster-alias",
        "Output the alias of the cluster of an instance (-i or -a)",
        "cluster-info/{hint}",
        Out::Field("ClusterAlias"),
    ),
    get(
        "which-cluster-master",
        "Output the writable master of a cluster (-i or -a)",
        "master/{hint}",
        Out::Key,
    ),
    get(
        "which-cluster-instances",
        "Output every instance of a cluster (-i or -a)",
        "cluster/{hint}",
        Out::Keys,
    ),
    get(
        "which-cluster-osc-replicas",
        "Output a heuristic list of control replicas for an online schema change (-i or -a)",
        "cluster-osc-replicas/{hint}",
        Out::Keys,
    ),
    get(
        "which-cluster-osc-running-replicas",
        "As which-cluster-osc-replicas, only the replicas whose threads both run (-i or -a)",
        "cluster-osc-replicas/{hint}",
        Out::RunningKeys,
    ),
    get(
        "downtimed",
        "List downtimed instances, optionally of one cluster (-i or -a)",
        "downtimed[/{hint}]",
        Out::Keys,
    ),
];

/// Tags.
pub const TAGS: &[Command] = &[
    get("tags", "List the tags of an instance (-i)", "tags/{instance}", Out::Lines),
    get(
        "tag-value",
        "Output the value of a tag of an instance (-i, -t name)",
        "tag-value/{instance}?tag={tag}",
        Out::Text,
    ),
    get(
        "tag",
        "Tag an instance (-i, -t name or name=value)",
        "tag/{instance}?tag={tag}",
        Out::DetailsKey,
    ),
    get(
        "untag",
        "Remove a tag from an instance (-i, -t name or name=value)",
        "untag/{instance}?tag={tag}",
        Out::DetailsKeyList,
    ),
    get(
        "untag-all",
        "Remove a tag from every instance having it with that value (-t name=value)",
        "untag-all?tag={tag}",
        Out::DetailsKeyList,
    ),
    get(
        "tagged",
        "List instances by tags: name, name=value, ~name, ~name=value; comma-separated: all (-t)",
        "tagged?tag={tag}",
        Out::KeyList,
    ),
];
