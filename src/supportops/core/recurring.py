"""Repeat problems: tickets that describe the same underlying problem, found in their text.

The default detector is CPU-only and has no model to download:

1. **Features.** TF-IDF over each ticket's subject (counted twice: it is the customer's own
   summary) and description, words and word pairs, sublinear term frequency, English stop
   words, terms in fewer than two tickets or in more than half of them dropped. Template noise
   that help desks add (``Workspace: ws_123``, greetings, sign-offs) is cut before counting.
2. **Reduction.** Latent semantic analysis (truncated SVD) to at most 100 dimensions, rows
   normalized, so paraphrases that share some words land near each other. The ticket's
   category is added as a small one-hot block (``category_weight``), so two categories must
   agree on much more text before their tickets share a problem.
3. **Clustering.** Average-linkage agglomerative clustering on cosine distance with a distance
   threshold, so the number of problems is found, not given. Above ``direct_limit`` tickets
   the tickets are first summarized by mini-batch k-means into micro-clusters (about
   ``micro_size`` tickets each) and the micro-clusters are then merged the same way, so
   memory grows with the square of the number of micro-clusters, not of tickets. Clusters
   under ``min_size`` tickets are noise (cluster ``-1``), and so are tickets none of whose
   words survive (they would otherwise group by category alone).
4. **Names.** Class-based TF-IDF (c-TF-IDF, as in BERTopic): a term's frequency in the
   cluster times ``log(1 + average cluster size in words / the term's frequency overall)``.
   The top terms, pairs preferred over the words inside them, are the keywords; the first
   three make the label; the title is the subject written most often among the ten tickets
   nearest the cluster's centre (ties to the nearest).
5. **Identity.** Each cluster's *signature* is its top c-TF-IDF terms as a unit vector.
   :func:`match_signatures` pairs this run's clusters with known problems (the tracker's) by
   cosine similarity of signatures, one to one (Hungarian assignment), so a problem keeps its
   id from week to week while its tickets change.

:func:`match_articles` finds the knowledge-base article that covers a cluster (cosine of the
cluster's TF-IDF centroid and the article's title and body); :func:`kb_draft` writes a
problem → cause → solution draft from the cluster's tickets and the agent replies that
resolved them.

Pure functions over frames; deterministic (fixed random states).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

__all__ = [
    "DetectorSettings",
    "FoundProblems",
    "clean_text",
    "find_problems",
    "kb_draft",
    "match_articles",
    "match_signatures",
]

# A word: letters, digits and inner apostrophes, hyphens or dots ("429", "v2", "oauth2",
# "x-api-key"); at least two characters.
TOKEN_PATTERN = r"(?u)\b[\w][\w'.-]*[\w]\b"

# Words a support conversation is full of, whatever the problem.
SUPPORT_STOP_WORDS = frozenset(
    {
        "hi", "hello", "hey", "dear", "thanks", "thank", "cheers", "regards", "best", "kind",
        "please", "help", "issue", "problem", "support", "team", "asap", "urgent", "today",
        "yesterday", "week", "know", "let", "just", "like", "need", "needs", "using", "use",
        "able", "get", "got", "getting", "does", "did", "doesn't", "don't", "can't", "isn't",
        "it's", "we're", "i'm", "we've", "i've", "would", "could", "quick", "question",
        "happened", "anything", "great", "appreciate", "sorry",
    }
)  # fmt: skip
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | SUPPORT_STOP_WORDS)

# "Workspace: ws_73124", "Browser: Chrome 131", "Request ID: req_9f2c": a short label, a colon,
# and an identifier-like value. The label is kept out, the value too when it is an id.
_FIELD_LINE = re.compile(r"^\s*[A-Za-z][A-Za-z /-]{0,24}:\s*(?P<value>.*)$")
_ID_VALUE = re.compile(r"^[\w.-]*\d[\w.-]*$")
_GREETING = re.compile(
    # the greeting word and at most three words of a name ("Hi Support team,"), nothing else:
    # "Hi, our export fails" is content
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b"
    r"(\s+[\w.'-]+){0,3}\s*[,!.:]?\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(thanks|thank you|cheers|regards|best|kind regards|best regards|many thanks|"
    r"sincerely)\b[ ,.!a-z]{0,20}$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_OPENERS = re.compile(
    r"^(hi|hello|hey|dear|thanks|thank you|sorry|cheers|let me know|please let|i'm sorry|"
    r"i am sorry|hope|great news|good news|could you|can you|would you|which |what |when |"
    r"did you|have you|do you|are you|is it|just tried|any update|i |i'm |i've |i'll |"
    r"here's what|here is what|we'll |we will |happy to|feel free|glad to)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """The detector's knobs. The defaults were chosen on general grounds (a cosine distance
    of 0.7 under average linkage joins tickets that share the bulk of their distinctive
    words), not fitted to any one data set."""

    distance_threshold: float = 0.7
    min_size: int = 3
    category_weight: float = 0.35
    max_components: int = 100
    direct_limit: int = 4000
    micro_size: int = 8
    keywords: int = 6
    keyword_coverage: float = 0.3
    signature_terms: int = 30
    examples: int = 3
    random_state: int = 0


@dataclass(frozen=True, slots=True)
class FoundProblems:
    """What :func:`find_problems` found.

    ``assignments``: ``ticket_id``, ``cluster`` (``-1`` = no repeat problem), ``similarity``
    (cosine to the cluster's centre). ``clusters``: ``cluster``, ``size``, ``label``,
    ``title``, ``keywords``, ``category``, ``examples`` — largest first. ``signatures``: the
    cluster's identity, term → weight (a unit vector).
    """

    assignments: pl.DataFrame
    clusters: pl.DataFrame
    signatures: dict[int, dict[str, float]]
    _vectorizer: TfidfVectorizer | None = field(default=None, repr=False)
    _tfidf: Any = field(default=None, repr=False)  # sparse (tickets × terms)
    _labels: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)


def clean_text(text: str | None) -> str:
    """The words of a ticket that describe it: no greeting, sign-off or identifier lines;
    ``Label: value`` fields keep their value unless it is an identifier."""
    if not text:
        return ""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _GREETING.match(line) or _SIGN_OFF.match(line):
            continue
        m = _FIELD_LINE.match(line)
        if m:
            value = m.group("value").strip()
            if not value or _ID_VALUE.match(value) or len(value.split()) <= 2:
                continue
            line = value
        out.append(line.strip())
    return "\n".join(out)


def _documents(texts: pl.DataFrame) -> list[str]:
    subjects = texts["subject"].fill_null("").to_list()
    descriptions = texts["description"].fill_null("").to_list()
    return [f"{s}\n{s}\n{clean_text(d)}" for s, d in zip(subjects, descriptions, strict=True)]


def _vectorizer(n_docs: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words=STOP_WORDS,
        ngram_range=(1, 2),
        min_df=2 if n_docs >= 4 else 1,
        max_df=0.5 if n_docs >= 10 else 1.0,
        sublinear_tf=True,
        dtype=np.float64,
    )


def _embed(
    tfidf: Any, categories: list[str | None], s: DetectorSettings, fit_on: Any = None
) -> np.ndarray:
    """LSA vectors of ``tfidf``'s rows; the SVD is fitted on ``fit_on`` (a larger sample of
    the same vocabulary) when given."""
    basis = tfidf if fit_on is None else fit_on
    n, m = basis.shape
    k = min(s.max_components, n - 1, m - 1)
    if k >= 2:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", random_state=s.random_state)
        svd.fit(basis)
        dense = np.asarray(svd.transform(tfidf))
    else:
        dense = np.asarray(tfidf.todense())
    dense = normalize(dense)
    if s.category_weight > 0:
        names = sorted({c for c in categories if c})
        if len(names) > 1:
            index = {c: i for i, c in enumerate(names)}
            onehot = np.zeros((dense.shape[0], len(names)))
            for row, c in enumerate(categories):
                if c:
                    onehot[row, index[c]] = s.category_weight
            dense = normalize(np.hstack([dense, onehot]))
    return np.asarray(dense, dtype=np.float64)


def _agglomerate(
    points: np.ndarray, threshold: float, weights: np.ndarray | None = None
) -> np.ndarray:
    if points.shape[0] == 1:
        return np.zeros(1, dtype=np.int64)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=threshold,
    )
    del weights  # average linkage over micro-cluster centres: each centre counts once
    return np.asarray(model.fit_predict(points), dtype=np.int64)


def _cluster(points: np.ndarray, s: DetectorSettings) -> np.ndarray:
    n = points.shape[0]
    if n <= s.direct_limit:
        return _agglomerate(points, s.distance_threshold)
    k = max(2, n // s.micro_size)
    micro = MiniBatchKMeans(
        n_clusters=k,
        random_state=s.random_state,
        batch_size=4096,
        n_init=1,
        max_iter=50,
    ).fit(points)
    centres = normalize(micro.cluster_centers_)
    used = np.unique(micro.labels_)
    merged = _agglomerate(centres[used], s.distance_threshold)
    lookup = np.full(k, -1, dtype=np.int64)
    lookup[used] = merged
    return lookup[np.asarray(micro.labels_, dtype=np.int64)]


def _renumber(raw: np.ndarray, min_size: int) -> np.ndarray:
    """Clusters under ``min_size`` become ``-1``; the rest are numbered 0.. by size, largest
    first (ties by first member), so numbering is deterministic."""
    labels, counts = np.unique(raw, return_counts=True)
    first = np.array([int(np.argmax(raw == lab)) for lab in labels])
    order = np.lexsort((first, -counts))
    out = np.full(raw.shape, -1, dtype=np.int64)
    number = 0
    for i in order:
        if counts[i] < min_size:
            continue
        out[raw == labels[i]] = number
        number += 1
    return out


def _ctfidf(counts: Any, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Class-based TF-IDF: rows are clusters, columns terms (dense; clusters are few)."""
    member = labels >= 0
    onehot = sp.csr_matrix(
        (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))),
        shape=(n_clusters, counts.shape[0]),
    )
    tf = np.asarray((onehot @ counts).todense(), dtype=np.float64)
    total = tf.sum(axis=0)
    words_per_class = tf.sum(axis=1).mean() if n_clusters else 0.0
    idf = np.log1p(words_per_class / np.maximum(total, 1.0))
    tf = tf / np.maximum(tf.sum(axis=1, keepdims=True), 1.0)
    return np.asarray(tf * idf, dtype=np.float64)


def _keywords(weights: np.ndarray, terms: np.ndarray, k: int) -> list[str]:
    """The top terms; a word is skipped when a chosen pair already contains it, and a pair
    whose words were both chosen replaces them."""
    order = np.argsort(-weights, kind="stable")
    chosen: list[str] = []
    for j in order[: k * 6]:
        if weights[j] <= 0 or len(chosen) >= k:
            break
        term = str(terms[j])
        words = term.split()
        if len(words) == 1 and any(term in c.split() for c in chosen):
            continue
        if len(words) == 2:
            chosen = [c for c in chosen if c not in words]
        if term not in chosen:
            chosen.append(term)
    return chosen[:k]


def _title(subjects: list[str], nearest: np.ndarray) -> str:
    """The subject customers wrote most often among the cluster's central tickets (the
    wording many share is rarely the one with a typo); ties go to the most central."""
    members = [subjects[i].strip() for i in nearest]
    counts = Counter(" ".join(m.lower().split()) for m in members if m)
    best = ""
    best_count = 0
    for m in members[:10]:
        n = counts[" ".join(m.lower().split())]
        if m and n > best_count:
            best, best_count = m, n
    return best


def find_problems(
    texts: pl.DataFrame,
    settings: DetectorSettings | None = None,
    *,
    context: pl.DataFrame | None = None,
) -> FoundProblems:
    """Cluster tickets into repeat problems. ``texts`` has ``ticket_id``, ``subject``,
    ``description`` and ``category`` (null allowed).

    ``context`` (``subject``, ``description``), optional: more tickets of the same help desk,
    not clustered, that the vocabulary and the semantic space are learned from as well. A few
    hundred escalated tickets say little about which words are paraphrases of each other; the
    whole intake of the same weeks says a lot (the review passes a sample of it)."""
    s = settings or DetectorSettings()
    ids = texts["ticket_id"].to_list()
    empty = FoundProblems(
        assignments=pl.DataFrame(
            {"ticket_id": ids, "cluster": [-1] * len(ids), "similarity": [None] * len(ids)},
            schema={"ticket_id": pl.String, "cluster": pl.Int64, "similarity": pl.Float64},
        ),
        clusters=pl.DataFrame(
            schema={
                "cluster": pl.Int64,
                "size": pl.Int64,
                "label": pl.String,
                "title": pl.String,
                "keywords": pl.List(pl.String),
                "category": pl.String,
                "examples": pl.List(pl.String),
            }
        ),
        signatures={},
    )
    if len(ids) < s.min_size:
        return empty
    docs = _documents(texts)
    extra = _documents(context) if context is not None and context.height else []
    vectorizer = _vectorizer(len(docs) + len(extra))
    try:
        fitted = vectorizer.fit_transform(docs + extra)
    except ValueError:  # no term survives (empty or stop-word-only texts)
        return empty
    tfidf = fitted[: len(docs)]
    if tfidf.nnz == 0:
        return empty
    categories = texts["category"].to_list()
    points = _embed(tfidf, categories, s, fit_on=fitted if extra else None)
    # A ticket none of whose terms survived shares no word with any other: its point would be
    # its category alone, which put every such ticket of a category in one cluster. Each gets
    # a label of its own (below zero), so it is noise.
    has_text = np.asarray(tfidf.getnnz(axis=1)) > 0
    raw = -1 - np.arange(len(ids), dtype=np.int64)
    raw[has_text] = _cluster(points[has_text], s)
    labels = _renumber(raw, s.min_size)
    n_clusters = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if n_clusters == 0:
        return FoundProblems(empty.assignments, empty.clusters, {}, vectorizer, tfidf, labels)

    terms = vectorizer.get_feature_names_out()
    counts = (tfidf > 0).astype(np.float64)  # presence: one chatty ticket cannot name a cluster
    weights = _ctfidf(counts, labels, n_clusters)

    similarity = np.full(len(ids), np.nan)
    subjects = texts["subject"].fill_null("").to_list()
    rows: list[dict[str, Any]] = []
    signatures: dict[int, dict[str, float]] = {}
    for c in range(n_clusters):
        members = np.flatnonzero(labels == c)
        centre = normalize(points[members].mean(axis=0, keepdims=True))[0]
        sims = points[members] @ centre
        similarity[members] = sims
        nearest = members[np.argsort(-sims, kind="stable")]
        # a keyword names the cluster only if a good share of its tickets use it
        cover = np.asarray(counts[members].sum(axis=0)).ravel() / members.size
        shared = np.where(cover >= s.keyword_coverage, weights[c], 0.0)
        keywords = _keywords(shared, terms, s.keywords) or _keywords(weights[c], terms, s.keywords)
        top = np.argsort(-weights[c], kind="stable")[: s.signature_terms]
        top = top[weights[c][top] > 0]
        vec = weights[c][top]
        norm = float(np.linalg.norm(vec)) or 1.0
        signatures[c] = {
            str(terms[j]): round(float(w / norm), 6) for j, w in zip(top, vec, strict=True)
        }
        cats = Counter(categories[i] for i in members if categories[i])
        rows.append(
            {
                "cluster": c,
                "size": int(members.size),
                "label": " · ".join(keywords[:3]) if keywords else subjects[nearest[0]][:60],
                "title": _title(subjects, nearest) or (keywords[0] if keywords else ""),
                "keywords": keywords,
                "category": cats.most_common(1)[0][0] if cats else None,
                "examples": [ids[i] for i in nearest[: s.examples]],
            }
        )
    assignments = pl.DataFrame(
        {"ticket_id": ids, "cluster": labels, "similarity": similarity},
        schema={"ticket_id": pl.String, "cluster": pl.Int64, "similarity": pl.Float64},
    ).with_columns(pl.col("similarity").fill_nan(None))
    clusters = pl.DataFrame(rows, schema=empty.clusters.schema)
    return FoundProblems(assignments, clusters, signatures, vectorizer, tfidf, labels)


def _signature_matrix(
    signatures: Sequence[Mapping[str, float]], vocabulary: dict[str, int]
) -> np.ndarray:
    out = np.zeros((len(signatures), len(vocabulary)))
    for i, sig in enumerate(signatures):
        for term, w in sig.items():
            out[i, vocabulary[term]] = w
    return np.asarray(normalize(out), dtype=np.float64)


def match_signatures(
    found: Mapping[int, Mapping[str, float]],
    known: Mapping[str, Mapping[str, float]],
    *,
    min_similarity: float = 0.4,
) -> dict[int, str]:
    """Pair this run's clusters with known problems, one to one, maximizing the total cosine
    similarity of their signatures; pairs under ``min_similarity`` stay unpaired (the
    cluster is a new problem). Returns cluster → known id."""
    if not found or not known:
        return {}
    clusters = list(found)
    names = list(known)
    vocabulary: dict[str, int] = {}
    for sig in (*found.values(), *known.values()):
        for term in sig:
            vocabulary.setdefault(term, len(vocabulary))
    a = _signature_matrix([found[c] for c in clusters], vocabulary)
    b = _signature_matrix([known[k] for k in names], vocabulary)
    sim = a @ b.T
    # A pair under the threshold is worth nothing: counted at its similarity it could outweigh
    # a strong pair and leave that pair's cluster unpaired (a known problem reported as new).
    rows, cols = linear_sum_assignment(-np.where(sim >= min_similarity, sim, 0.0))
    return {
        clusters[r]: names[c]
        for r, c in zip(rows, cols, strict=True)
        if sim[r, c] >= min_similarity
    }


def match_articles(
    found: FoundProblems,
    texts: pl.DataFrame,
    articles: pl.DataFrame,
    *,
    min_score: float = 0.3,
) -> pl.DataFrame:
    """The knowledge-base article that best covers each cluster: ``cluster``, ``article_id``,
    ``score`` (cosine of the cluster's TF-IDF centre and the article's title, counted twice,
    and body), for clusters whose best article scores at least ``min_score``."""
    schema = {"cluster": pl.Int64, "article_id": pl.String, "score": pl.Float64}
    if found._vectorizer is None or found.clusters.height == 0 or articles.height == 0:
        return pl.DataFrame(schema=schema)
    del texts  # the ticket vectors were kept from clustering, in the same order
    titles = articles["title"].fill_null("").to_list()
    bodies = articles["body"].fill_null("").to_list()
    docs = [f"{t}\n{t}\n{clean_text(b)}" for t, b in zip(titles, bodies, strict=True)]
    art = normalize(found._vectorizer.transform(docs))
    n_clusters = found.clusters.height
    labels = found._labels
    member = labels >= 0
    onehot = sp.csr_matrix(
        (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))),
        shape=(n_clusters, labels.size),
    )
    centres = normalize(sp.csr_matrix(onehot @ found._tfidf))
    scores = np.asarray((centres @ art.T).todense())
    best = scores.argmax(axis=1)
    top = scores[np.arange(n_clusters), best]
    ids = articles["id"].to_list()
    keep = np.flatnonzero(top >= min_score)
    return pl.DataFrame(
        {
            "cluster": keep.astype(np.int64),
            "article_id": [ids[best[c]] for c in keep],
            "score": top[keep].astype(np.float64),
        },
        schema=schema,
    )


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in clean_text(text).splitlines():
        for part in _SENTENCE.split(line):
            part = part.strip()
            if len(part.split()) >= 4 and not _OPENERS.match(part):
                out.append(part)
    return out


def _norm(sentence: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", sentence.lower()).strip()


def _common(
    texts_by_ticket: Mapping[str, Sequence[str]], keywords: Sequence[str], limit: int
) -> list[str]:
    """Sentences said in the most tickets (a ticket counts once), then richest in keywords."""
    seen: dict[str, str] = {}
    tickets: Counter[str] = Counter()
    for texts in texts_by_ticket.values():
        mine = set()
        for text in texts:
            for sentence in _sentences(text):
                key = _norm(sentence)
                if key and key not in mine:
                    mine.add(key)
                    seen.setdefault(key, sentence)
        tickets.update(mine)
    words = {w for k in keywords for w in k.lower().split()}

    def score(key: str) -> tuple[int, int, str]:
        hits = sum(1 for w in set(key.split()) if w in words)
        return (tickets[key], hits, key)

    ranked = sorted(seen, key=score, reverse=True)
    return [seen[k] for k in ranked[:limit]]


_CAUSE = re.compile(
    r"\b(because|caused by|the cause|root cause|due to|happens when|this happens|so that|"
    r"is enforced|expires?|was changed|after you|when the|invalidates?)\b|, so ",
    re.IGNORECASE,
)


def kb_draft(
    label: str,
    tickets: pl.DataFrame,
    comments: pl.DataFrame,
    *,
    keywords: Sequence[str] = (),
    title: str | None = None,
) -> str:
    """A Markdown knowledge-base draft for one repeat problem, problem → cause → solution,
    from its tickets (``ticket_id``, ``subject``, ``description``) and their public comments
    (``ticket_id``, ``actor_role``, ``body``, ``resolving``: the last public agent reply before
    the ticket was solved). Ticket text is quoted as written: the draft is for a human to
    check and finish, and says so."""
    heading = title or (tickets["subject"].drop_nulls().head(1).to_list() or [label])[0]
    by_ticket: dict[str, list[str]] = {}
    for r in tickets.iter_rows(named=True):
        by_ticket.setdefault(r["ticket_id"], []).append(
            f"{r['subject'] or ''}.\n{r['description'] or ''}"
        )
    symptoms = _common(by_ticket, keywords, 4)

    resolving: dict[str, list[str]] = {}
    customer: dict[str, list[str]] = {}
    if comments.height:
        for r in comments.iter_rows(named=True):
            body = r["body"] or ""
            if r["actor_role"] == "agent" and r.get("resolving"):
                resolving.setdefault(r["ticket_id"], []).append(body)
            elif r["actor_role"] == "customer":
                customer.setdefault(r["ticket_id"], []).append(body)
    fixes = _common(resolving, keywords, 8)
    causes = [f for f in fixes if _CAUSE.search(f)][:2]
    steps = [f for f in fixes if f not in causes][:5]
    n = tickets["ticket_id"].n_unique()

    lines = [
        f"# DRAFT: {heading}",
        "",
        "> **Draft for a human to finish.** Written by `supportops review` from "
        f"{n} tickets of the repeat problem \u201c{label}\u201d. Check every line against the "
        "product before you publish; ticket text is quoted as customers and agents wrote it.",
        "",
        "## Problem",
        "",
        "What customers report:",
        "",
    ]
    lines += [f"- {s}" for s in symptoms] or ["- (no common wording found: read the tickets)"]
    if keywords:
        lines += ["", f"Search terms: {', '.join(keywords)}."]
    lines += ["", "## Cause", ""]
    if causes:
        lines += ["What agents found:", ""] + [f"- {c}" for c in causes]
    else:
        lines += ["- (not stated in the replies that resolved these tickets: ask the L2 owner)"]
    lines += ["", "## Solution", ""]
    if steps:
        lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
    else:
        lines += ["1. (no resolving reply found: write the fix here)"]
    lines += [
        "",
        "## Tickets this draft was written from",
        "",
        ", ".join(sorted(by_ticket)[:20]) + (" …" if n > 20 else ""),
        "",
    ]
    return "\n".join(lines)
