// The search page: runs ?q= (and kind, topic) through Pagefind's index, loaded from our own
// origin. An enhancement only: without JavaScript the page lists the indexes instead.
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) { return; }
  var input = form.elements.q, kind = form.elements.kind, topic = form.elements.topic;
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var more = document.querySelector("[data-search-more]");
  var PAGE = 20, shown = PAGE, loading = null, latest = 0, timer = null;

  function pagefind() {
    if (!loading) {
      loading = import(form.getAttribute("data-bundle") + "pagefind.js").then(function (pf) {
        // No worker: a worker's CSP is its own script's, and only this page allows WebAssembly.
        return pf.options({ baseUrl: form.getAttribute("data-base-url"), noWorker: true })
          .then(function () { return pf; });
      });
    }
    return loading;
  }

  // Kinds ranked first and last: a name finds its entity page and the claims about it before the
  // records of the sources that mention it. One search per rank, each in Pagefind's own order.
  var first = (form.getAttribute("data-rank-first") || "").split("|").filter(Boolean);
  var last = (form.getAttribute("data-rank-last") || "").split("|").filter(Boolean);

  function ranked(pf, query, filters) {
    if (filters.kind || !first.length) {
      return pf.search(query, { filters: filters }).then(function (found) { return found.results; });
    }
    var ranks = [{ any: first }, { none: first.concat(last) }, { any: last }];
    return Promise.all(ranks.map(function (kinds) {
      return pf.search(query, { filters: Object.assign({}, filters, { kind: kinds }) });
    })).then(function (found) {
      return [].concat.apply([], found.map(function (one) { return one.results; }));
    });
  }

  // A count picks its plural form by the page language's CLDR rule, as the build does (Babel).
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;

  function say(name, values) {
    var form = plural && values && typeof values.n === "number" ? "data-" + name + "-" + plural.select(values.n) : "";
    var text = (form && status.getAttribute(form)) || status.getAttribute("data-" + name);
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    status.textContent = text;
  }

  // Pagefind's excerpt is HTML with <mark> around the words found: keep those, text for the rest.
  function excerpt(html) {
    var out = document.createElement("p");
    out.className = "search-excerpt";
    new DOMParser().parseFromString(html, "text/html").body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        out.appendChild(document.createElement("mark")).textContent = node.textContent;
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function result(data) {
    var item = document.createElement("li");
    var title = item.appendChild(document.createElement("p"));
    title.className = "search-title";
    var link = title.appendChild(document.createElement("a"));
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    var about = item.appendChild(document.createElement("p"));
    about.className = "search-about";
    about.appendChild(document.createElement("strong")).textContent = data.meta.kind || "";
    if (data.meta.status) {   // a claim's status, as its page shows it
      var verdict = about.appendChild(document.createElement("span"));
      verdict.className = "search-verdict";
      verdict.textContent = " · " + data.meta.status;
    }
    [data.meta.date, data.meta.topic].forEach(function (text) {
      if (text) { about.appendChild(document.createTextNode(" · " + text)); }
    });
    item.appendChild(excerpt(data.excerpt || ""));
    return item;
  }

  function remember(query) {
    var params = new URLSearchParams();
    [["q", query], ["kind", kind.value], ["topic", topic.value]].forEach(function (pair) {
      if (pair[1]) { params.set(pair[0], pair[1]); }
    });
    history.replaceState(null, "", "?" + params.toString());
  }

  // `extra`: the reader asked for more results; they are added and the first new one focused.
  function run(extra) {
    var query = input.value.trim(), mine = ++latest, filters = {}, before = list.children.length;
    shown = extra === true ? shown + PAGE : PAGE;
    remember(query);
    if (kind.value) { filters.kind = kind.value; }
    if (topic.value) { filters.topic = topic.value; }
    if (!query) { list.replaceChildren(); status.textContent = ""; more.hidden = true; return; }
    pagefind().then(function (pf) {
      return ranked(pf, query, filters);
    }).then(function (results) {
      return Promise.all(results.slice(0, shown).map(function (r) { return r.data(); }))
        .then(function (items) {
          if (mine !== latest) { return; }
          list.replaceChildren.apply(list, items.map(result));
          var n = results.length;
          if (!n) { say("none"); } else if (n > shown) { say("shown", { shown: shown, n: n }); } else { say("results", { n: n }); }
          more.hidden = n <= shown;
          if (extra === true && list.children[before]) { list.children[before].querySelector("a").focus(); }
        });
    }).catch(function (error) {
      say("failed");
      throw error;
    });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(function () { run(); }, 250);
  }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  kind.value = params.get("kind") || "";
  topic.value = params.get("topic") || "";
  form.querySelector("[data-search-filters]").hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  more.addEventListener("click", function () { run(true); });
  input.addEventListener("input", soon);
  kind.addEventListener("change", function () { run(); });
  topic.addEventListener("change", function () { run(); });
  if (input.value) { run(); }
}());
