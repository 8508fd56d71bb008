var nodes, edges, network, mapView;
(function () {
  "use strict";
  // Everything from the data reaches the page through textContent or as attribute values
  // set on elements made here: no data is ever parsed as markup.
  var LABEL_INSIDE = {box: 1, ellipse: 1, circle: 1, database: 1, text: 1};
  var LABEL_BACKGROUND = "rgba(255,255,255,0.85)";
  var SAFE_URL = /^https?:\/\//i;

  function readJSON(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }
  function unpack(text) {
    var raw = atob(text.trim());
    var bytes = new Uint8Array(raw.length);
    for (var k = 0; k < raw.length; k++) bytes[k] = raw.charCodeAt(k);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function list(items) {
    var ul = el("ul");
    items.forEach(function (item) {
      var li = el("li");
      if (typeof item === "string") li.textContent = item; else li.appendChild(item);
      ul.appendChild(li);
    });
    return ul;
  }
  function section(into, heading, items) {
    if (!items.length) return;
    into.appendChild(el("h3", heading));
    into.appendChild(list(items));
  }

  var styles = readJSON("map-styles");
  var options = readJSON("map-options");
  var found = document.getElementById("found");
  unpack(document.getElementById("map-store").textContent).then(start, function (error) {
    found.textContent = "This map could not be opened in this browser: " + error;
  });

  function start(data) {
    var E = data.entities;
    var N = E.length;
    var byId = new Map();
    var kids = [];
    E.forEach(function (e, i) { byId.set(e.id, i); kids.push([]); });
    E.forEach(function (e, i) { if (e.up >= 0) kids[e.up].push(i); });
    var visible = new Uint8Array(N);
    data.shown.forEach(function (i) { visible[i] = 1; });
    var step = data.base;
    var shownStatus = {listed: true, covered: true, exposed: true, clear: true};
    var statusNames = {};
    Object.keys(styles.statuses).forEach(function (letter) {
      statusNames[letter] = styles.statuses[letter].status;
    });

    function current() { return data.steps[step]; }
    function statusOf(i) { return statusNames[current().status[i]]; }
    function nameOf(i) { return current().names[i]; }
    // Negative numbers: entity ids are strings from the data, so the two never meet.
    function clusterId(anchor, below) { return -(2 * anchor + (below ? 1 : 2)); }
    function clusterOf(id) {
      var code = -id;
      return {anchor: Math.floor((code - 1) / 2), below: code % 2 === 1};
    }

    // ------------------------------------------------------------------ what is drawn
    function hiddenTops(anchor, below) {
      return kids[anchor].filter(function (c) { return !visible[c] && E[c].below === below; });
    }
    function members(tops) {
      var out = [];
      var queue = tops.slice();
      while (queue.length) {
        var i = queue.shift();
        out.push(i);
        kids[i].forEach(function (c) { queue.push(c); });
      }
      return out;
    }
    function clusterLabel(inside) {
      var counts = {listed: 0, covered: 0, exposed: 0};
      inside.forEach(function (i) {
        var s = statusOf(i);
        if (s in counts) counts[s] += 1;
      });
      var parts = ["listed", "covered", "exposed"].filter(function (s) { return counts[s]; })
        .map(function (s) { return counts[s] + " " + s; });
      var head = inside.length + (inside.length === 1 ? " entity" : " entities");
      return head + ": " + (parts.length ? parts.join(", ") : "all clear");
    }
    var LEVELS = {listed: 3, covered: 2, exposed: 1, clear: 0};
    function worst(inside) {
      var best = "clear";
      inside.forEach(function (i) {
        var s = statusOf(i);
        if (LEVELS[s] > LEVELS[best]) best = s;
      });
      return best;
    }
    function letterOf(status) {
      return Object.keys(statusNames).filter(function (l) { return statusNames[l] === status; })[0];
    }

    function nodeSpec(i) {
      var st = styles.statuses[current().status[i]];
      var focus = i === data.focus;
      var font = {size: focus ? 18 : 14};
      if (!LABEL_INSIDE[st.shape]) font.background = LABEL_BACKGROUND;
      return {
        id: E[i].id, label: nameOf(i), level: E[i].level, shape: st.shape, status: st.status,
        borderWidth: st.borderWidth + (focus ? 2 : 0), title: "entity", hidden: !shownStatus[st.status],
        color: {background: st.colour, border: st.border,
                highlight: {background: st.colour, border: "#000000"},
                hover: {background: st.colour, border: "#000000"}},
        shapeProperties: {borderDashes: st.dashed ? [5, 3] : false}, font: font
      };
    }
    function clusterSpec(anchor, below, inside) {
      var st = styles.statuses[letterOf(worst(inside))];
      return {
        id: clusterId(anchor, below), label: clusterLabel(inside), shape: "box",
        level: E[anchor].level + (below ? 1 : -1), status: "cluster", title: "cluster",
        hidden: false, borderWidth: 2, size: inside.length,
        color: {background: "#FFFFFF", border: st.border,
                highlight: {background: "#F4F4F4", border: "#000000"},
                hover: {background: "#F4F4F4", border: "#000000"}},
        shapeProperties: {borderDashes: [4, 3]}, font: {size: 13, background: false}
      };
    }

    var applied = {nodes: new Map(), edges: new Map()};
    function apply(set, kind, wanted) {
      var changed = [];
      var gone = [];
      wanted.forEach(function (spec, id) {
        var text = JSON.stringify(spec);
        if (applied[kind].get(id) !== text) { changed.push(spec); applied[kind].set(id, text); }
      });
      applied[kind].forEach(function (_text, id) {
        if (!wanted.has(id)) { gone.push(id); applied[kind].delete(id); }
      });
      if (gone.length) set.remove(gone);
      if (changed.length) set.update(changed);
    }

    function sync() {
      var wantedNodes = new Map();
      var hiddenNode = {};
      var clusterEdges = [];
      for (var i = 0; i < N; i++) {
        if (!visible[i]) continue;
        var spec = nodeSpec(i);
        wantedNodes.set(spec.id, spec);
        if (spec.hidden) hiddenNode[i] = true;
        [true, false].forEach(function (below) {
          var tops = hiddenTops(i, below);
          if (!tops.length) return;
          var inside = members(tops);
          var cspec = clusterSpec(i, below, inside);
          // hidden with its anchor, or when the filter hides every status inside it
          cspec.hidden = Boolean(hiddenNode[i]) ||
            !inside.some(function (m) { return shownStatus[statusOf(m)]; });
          wantedNodes.set(cspec.id, cspec);
          clusterEdges.push({
            id: "to:" + cspec.id, from: below ? E[i].id : cspec.id, to: below ? cspec.id : E[i].id,
            color: {color: "#999999", highlight: "#000000", hover: "#000000"}, dashes: [2, 4],
            width: 1, label: "", hidden: cspec.hidden, title: undefined
          });
        });
      }
      var wantedEdges = new Map();
      data.links.forEach(function (link, k) {
        if (!visible[link.from] || !visible[link.to]) return;
        var style = styles.links[link.kind];
        wantedEdges.set("e" + k, {
          id: "e" + k, from: E[link.from].id, to: E[link.to].id, label: link.label,
          width: link.width, title: "link",
          color: {color: style.colour, highlight: "#000000", hover: "#000000"},
          dashes: style.dashes.length ? style.dashes : false,
          hidden: Boolean(hiddenNode[link.from] || hiddenNode[link.to])
        });
      });
      clusterEdges.forEach(function (edge) { wantedEdges.set(edge.id, edge); });
      wrapLevels(Array.from(wantedNodes.values()));
      apply(nodes, "nodes", wantedNodes);
      apply(edges, "edges", wantedEdges);
    }

    // A level wider than WRAP entities takes several rows, so a large map is a block, not
    // a thin sliver; rows go in the tree's order (siblings together), owners stay above.
    var WRAP = 30;
    function wrapLevels(specs) {
      var byLevel = new Map();
      specs.forEach(function (spec) {
        if (!byLevel.has(spec.level)) byLevel.set(spec.level, []);
        byLevel.get(spec.level).push(spec);
      });
      var row = 0;
      Array.from(byLevel.keys()).sort(function (a, b) { return a - b; }).forEach(function (level) {
        var group = byLevel.get(level);
        var rows = Math.ceil(group.length / WRAP);
        var per = Math.ceil(group.length / rows);
        group.forEach(function (spec, k) { spec.level = row + Math.floor(k / per); });
        row += rows;
      });
    }

    function open(anchor, below) {
      hiddenTops(anchor, below).forEach(function (c) { visible[c] = 1; });
      sync();
    }
    function reveal(i) {
      while (i >= 0 && !visible[i]) { visible[i] = 1; i = E[i].up; }
      sync();
    }

    // ------------------------------------------------------------------ the network
    nodes = new vis.DataSet([]);
    edges = new vis.DataSet([]);
    var container = document.getElementById("mynetwork");
    sync();
    network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
    network.once("afterDrawing", function () {
      document.body.setAttribute("data-ready", "true");
    });

    // ------------------------------------------------------------------ tooltips
    function entityTip(i) {
      var e = E[i];
      var tip = el("div", null, "tip");
      tip.appendChild(el("div", nameOf(i), "tip-name"));
      tip.appendChild(el("div", [e.id, e.kind, e.country].filter(Boolean).join(" \u00b7 "), "tip-meta"));
      var line = el("div");
      var status = statusOf(i);
      line.appendChild(el("span", status, "tip-status tip-" + status));
      var flags = current().flags ? current().flags[i] : [];
      if (flags.length) line.appendChild(el("i", " " + flags.join(", ")));
      tip.appendChild(line);
      var names = e.names.slice(0, -1).map(function (n) {
        return n[0] + " (until " + (n[2] || "?") + ")";
      });
      var last = e.names[e.names.length - 1][0];
      if (last !== nameOf(i)) names.push(last + " (later name)");
      if (names.length) { tip.appendChild(el("div", "Other names", "tip-h")); tip.appendChild(list(names)); }
      if (e.aliases.length) { tip.appendChild(el("div", "Also known as", "tip-h")); tip.appendChild(list(e.aliases)); }
      if (e.lists.length) {
        tip.appendChild(el("div", "Lists", "tip-h"));
        tip.appendChild(list(e.lists.map(listingText)));
      }
      tip.appendChild(el("div", explanation(i), "tip-explain"));
      tip.appendChild(el("div", "Click for the card and sources.", "tip-meta"));
      return tip;
    }
    function linkTip(k) {
      var link = data.links[k];
      var tip = el("div", null, "tip");
      tip.appendChild(el("div", nameOf(link.from) + " \u2192 " + nameOf(link.to), "tip-name"));
      var line = el("div");
      line.appendChild(el("b", link.share));
      line.appendChild(document.createTextNode(", " + link.span));
      tip.appendChild(line);
      if (link.note) tip.appendChild(el("div", link.note));
      if (link.sources.length) {
        tip.appendChild(el("div", "Sources", "tip-h"));
        tip.appendChild(list(link.sources.map(function (s) {
          var item = el("span", s[0]);
          if (s[1]) { item.appendChild(el("br")); item.appendChild(el("span", s[1], "tip-url")); }
          return item;
        })));
      }
      return tip;
    }
    function listingText(x) {
      var text = x.list + ", " + x.span + (x.citation ? ", " + x.citation : "");
      return text + (x.note ? " (" + x.note + ")" : "");
    }
    function explanation(i) {
      var here = current();
      if (here.explain) return here.explain[i];
      return "Explanation as of " + data.steps[data.base].date + ": " + data.steps[data.base].explain[i];
    }
    network.on("showPopup", function (id) {
      var popup = network.interactionHandler.popup;
      var tip;
      if (popup.popupTargetType === "edge") {
        if (typeof id !== "string" || id.charAt(0) !== "e") return;
        tip = linkTip(Number(id.slice(1)));
      } else if (byId.has(id)) {
        tip = entityTip(byId.get(id));
      } else {
        tip = el("div", "Click to open this cluster.", "tip");
      }
      popup.setText(tip);
      popup.show();  // again, to place it for its new size
    });
    container.addEventListener("mouseleave", function () {
      var handler = network.interactionHandler;
      if (handler.popup) handler.popup.hide();
      handler.popupObj = undefined;
    });

    // ------------------------------------------------------------------ the side panel
    var panel = document.getElementById("panel");
    var panelBody = document.getElementById("panel-body");
    var panelFor = -1;
    function showPanel(i) {
      panelFor = i;
      var e = E[i];
      var body = el("div");
      body.appendChild(el("h2", nameOf(i)));
      body.appendChild(el("div", [e.id, e.kind, e.country].filter(Boolean).join(" \u00b7 "), "meta"));
      var line = el("div");
      var status = statusOf(i);
      line.appendChild(el("span", status, "tip-status tip-" + status));
      line.appendChild(document.createTextNode(" on " + current().date));
      var flags = current().flags ? current().flags[i] : [];
      if (flags.length) line.appendChild(el("i", " " + flags.join(", ")));
      body.appendChild(line);
      body.appendChild(el("div", explanation(i), "explain"));
      var lastName = e.names.length - 1;
      section(body, "Names over time", e.names.map(function (n, k) {
        var until = n[2] ? "until " + n[2] : (k === lastName ? "" : "dates not given");
        var when = [n[1] ? "from " + n[1] : "", k === lastName && !n[1] ? "current" : until];
        return n[0] + " (" + when.filter(Boolean).join(", ") + ")";
      }));
      section(body, "Also known as", e.aliases);
      section(body, "Identifiers", e.ids.map(function (x) { return x[0] + ": " + x[1]; }));
      section(body, "Listings", e.lists.map(listingText));
      section(body, "Owners and shares", e.owners.map(function (o) {
        var item = el("span");
        if (o[0] >= 0) {
          var go = el("button", o[1], "link");
          go.type = "button";
          go.addEventListener("click", function () { goTo(o[0]); showPanel(o[0]); });
          item.appendChild(go);
        } else {
          item.appendChild(document.createTextNode(o[1]));
        }
        item.appendChild(document.createTextNode(": " + o[2] + ", " + o[3]));
        return item;
      }));
      section(body, "Sources", e.sources.map(function (s) {
        if (!SAFE_URL.test(s[1])) return s[1] ? s[0] + " (" + s[1] + ")" : s[0];
        var a = el("a", s[0]);
        a.href = s[1];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        return a;
      }));
      panelBody.replaceChildren(body);
      panel.hidden = false;
    }
    document.getElementById("panel-close").addEventListener("click", function () {
      panel.hidden = true;
      panelFor = -1;
    });
    network.on("click", function (params) {
      if (!params.nodes.length) return;
      var id = params.nodes[0];
      if (byId.has(id)) { showPanel(byId.get(id)); return; }
      if (typeof id === "number" && id < 0) {
        var cluster = clusterOf(id);
        open(cluster.anchor, cluster.below);
      }
    });

    // ------------------------------------------------------------------ filter by status
    var boxes = document.querySelectorAll("#legend input[data-status]");
    function applyFilter() {
      boxes.forEach(function (box) { shownStatus[box.getAttribute("data-status")] = box.checked; });
      sync();
    }
    boxes.forEach(function (box) { box.addEventListener("change", applyFilter); });

    // ------------------------------------------------------------------ search
    var names = document.getElementById("names");
    var seen = {};
    var searchable = E.map(function (e) { return e.search.split("\n"); });
    E.forEach(function (e, i) {
      var label = nameOf(i);
      if (seen[label]) return;
      seen[label] = true;
      var option = document.createElement("option");
      option.value = label;
      names.appendChild(option);
    });
    var last = {query: null, hits: [], index: 0};
    function goTo(i) {
      var status = statusOf(i);
      if (!shownStatus[status]) {
        boxes.forEach(function (box) {
          if (box.getAttribute("data-status") === status) box.checked = true;
        });
        shownStatus[status] = true;
      }
      reveal(i);
      network.selectNodes([E[i].id]);
      network.focus(E[i].id, {scale: Math.max(network.getScale(), 1), animation: {duration: 300}});
    }
    function find(text) {
      var query = text.trim().toLowerCase();
      if (!query) return;
      if (query === last.query && last.hits.length) {
        last.index = (last.index + 1) % last.hits.length;
      } else {
        var hits = [];
        for (var i = 0; i < N; i++) if (searchable[i].indexOf(query) >= 0) hits.push(i);
        if (!hits.length) {
          for (var j = 0; j < N; j++) if (E[j].search.indexOf(query) >= 0) hits.push(j);
        }
        hits.sort(function (a, b) { return nameOf(a).localeCompare(nameOf(b)); });
        last = {query: query, hits: hits, index: 0};
      }
      if (!last.hits.length) {
        found.textContent = "No entity matches \u201c" + text.trim() + "\u201d.";
        return;
      }
      var hit = last.hits[last.index];
      goTo(hit);
      found.textContent = (last.hits.length > 1
        ? (last.index + 1) + " of " + last.hits.length + ": " : "") + nameOf(hit);
    }
    document.getElementById("find").addEventListener("submit", function (event) {
      event.preventDefault();
      find(document.getElementById("search").value);
    });

    // ------------------------------------------------------------------ the date slider
    var when = document.getElementById("when");
    var whenDate = document.getElementById("when-date");
    var whenEvents = document.getElementById("when-events");
    var legendCounts = document.querySelectorAll("#legend .status-name");
    function showStep(k) {
      step = k;
      when.value = String(k);
      var here = current();
      whenDate.textContent = here.date + (k === data.base ? " (the map's date)" : "");
      whenEvents.textContent = here.events.join("; ");
      whenEvents.title = here.events.join("\n");
      var counts = {};
      for (var i = 0; i < N; i++) counts[here.status[i]] = (counts[here.status[i]] || 0) + 1;
      legendCounts.forEach(function (span) {
        var label = span.getAttribute("data-label");
        span.textContent = label + " (" + (counts[letterOf(label)] || 0) + ")";
      });
      sync();
      if (panelFor >= 0) showPanel(panelFor);
    }
    when.addEventListener("input", function () { showStep(Number(when.value)); });
    showStep(step);

    // ------------------------------------------------------------------ buttons
    var physicsOn = options.physics.enabled;
    var physicsButton = document.getElementById("physics");
    physicsButton.addEventListener("click", function () {
      physicsOn = !physicsOn;
      network.setOptions({physics: {enabled: physicsOn}});
      physicsButton.textContent = "Physics: " + (physicsOn ? "on" : "off");
      physicsButton.setAttribute("aria-pressed", String(physicsOn));
    });
    document.getElementById("fit").addEventListener("click", function () {
      network.fit({animation: {duration: 300}});
    });
    function download(name, blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
    function stem() { return "ownership-map-" + current().date; }
    document.getElementById("save-png").addEventListener("click", function () {
      var source = container.querySelector("canvas");
      var copy = document.createElement("canvas");
      copy.width = source.width;
      copy.height = source.height;
      var context = copy.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, copy.width, copy.height);
      context.drawImage(source, 0, 0);
      copy.toBlob(function (blob) { download(stem() + ".png", blob); }, "image/png");
    });
    document.getElementById("save-svg").addEventListener("click", function () {
      download(stem() + ".svg", new Blob([svgOfView()], {type: "image/svg+xml"}));
    });

    function svgOfView() {
      var NS = "http://www.w3.org/2000/svg";
      function make(tag, attrs, text) {
        var node = document.createElementNS(NS, tag);
        Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
        if (text !== undefined) node.textContent = text;
        return node;
      }
      var box = container.getBoundingClientRect();
      var topLeft = network.DOMtoCanvas({x: 0, y: 0});
      var bottomRight = network.DOMtoCanvas({x: box.width, y: box.height});
      var svg = make("svg", {
        xmlns: NS, width: Math.round(box.width), height: Math.round(box.height),
        viewBox: [topLeft.x, topLeft.y, bottomRight.x - topLeft.x, bottomRight.y - topLeft.y].join(" "),
        "font-family": "Arial, Helvetica, sans-serif"
      });
      svg.appendChild(make("title", {}, document.querySelector("header h1").textContent + " \u2014 " + current().date));
      var defs = make("defs", {});
      var marker = make("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
                                   markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse"});
      marker.appendChild(make("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: "#444444"}));
      defs.appendChild(marker);
      svg.appendChild(defs);
      svg.appendChild(make("rect", {x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x,
                                     height: bottomRight.y - topLeft.y, fill: "#ffffff"}));
      var at = network.getPositions();
      var drawnEdges = make("g", {"class": "links"});
      edges.get({filter: function (e) { return !e.hidden; }}).forEach(function (e) {
        var a = at[e.from], b = at[e.to];
        if (!a || !b) return;
        var dx = b.x - a.x, dy = b.y - a.y, length = Math.sqrt(dx * dx + dy * dy) || 1;
        var end = {x: b.x - dx / length * 18, y: b.y - dy / length * 18};
        var attrs = {x1: a.x, y1: a.y, x2: end.x, y2: end.y, stroke: e.color.color,
                     "stroke-width": e.width || 1, "marker-end": "url(#arrow)"};
        if (e.dashes) attrs["stroke-dasharray"] = e.dashes.join(" ");
        drawnEdges.appendChild(make("line", attrs));
        if (e.label) {
          drawnEdges.appendChild(make("text", {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, "font-size": 12,
            "text-anchor": "middle", "paint-order": "stroke", stroke: "#ffffff", "stroke-width": 4}, e.label));
        }
      });
      svg.appendChild(drawnEdges);
      var drawnNodes = make("g", {"class": "entities"});
      nodes.get({filter: function (n) { return !n.hidden; }}).forEach(function (n) {
        var p = at[n.id];
        if (!p) return;
        var paint = {fill: n.color.background, stroke: n.color.border, "stroke-width": n.borderWidth};
        if (n.shapeProperties.borderDashes) paint["stroke-dasharray"] = n.shapeProperties.borderDashes.join(" ");
        var shape;
        var lines = String(n.label).split("\n");
        if (n.shape === "box") {
          var width = Math.max.apply(null, lines.map(function (l) { return l.length; })) * 7.5 + 16;
          var height = lines.length * 17 + 10;
          shape = make("rect", Object.assign({x: p.x - width / 2, y: p.y - height / 2, width: width, height: height, rx: 3}, paint));
        } else if (n.shape === "diamond") {
          shape = make("polygon", Object.assign({points: [p.x, p.y - 16, p.x + 16, p.y, p.x, p.y + 16, p.x - 16, p.y].join(" ")}, paint));
        } else if (n.shape === "triangle") {
          shape = make("polygon", Object.assign({points: [p.x, p.y - 16, p.x + 16, p.y + 12, p.x - 16, p.y + 12].join(" ")}, paint));
        } else {
          shape = make("circle", Object.assign({cx: p.x, cy: p.y, r: 14}, paint));
        }
        var group = make("g", {"class": n.status === "cluster" ? "cluster" : "entity " + n.status});
        group.appendChild(shape);
        var inside = n.shape === "box";
        lines.forEach(function (line, k) {
          var y = inside ? p.y - (lines.length - 1) * 8.5 + k * 17 + 5 : p.y + 32 + k * 17;
          group.appendChild(make("text", {x: p.x, y: y, "font-size": n.font.size || 14, "text-anchor": "middle",
            "paint-order": "stroke", stroke: inside ? "none" : "#ffffff", "stroke-width": 3}, line));
        });
        drawnNodes.appendChild(group);
      });
      svg.appendChild(drawnNodes);
      return new XMLSerializer().serializeToString(svg);
    }

    mapView = {
      entities: E,
      visibleCount: function () { return visible.reduce(function (a, b) { return a + b; }, 0); },
      open: open,
      openCluster: function (id) { var c = clusterOf(id); open(c.anchor, c.below); },
      showStep: showStep,
      step: function () { return step; },
      svg: svgOfView,
      ready: true
    };
  }
})();
