// Before Decap saves an entry, drop the optional fields an editor left empty: the schema
// rejects an empty string or list where it expects a value or nothing (engine/schema.py).
(function () {
  "use strict";
  function isCollection(value) {   // an Immutable.js Map or List, as Decap holds entry data
    return value !== null && typeof value === "object" && typeof value.map === "function" &&
      typeof value.size === "number";
  }
  function isEmpty(value) {
    return value === null || value === undefined || value === "" ||
      (isCollection(value) && value.size === 0);
  }
  function prune(value) {
    return isCollection(value) ? value.map(prune).filter(function (item) { return !isEmpty(item); }) : value;
  }
  window.CMS.registerEventListener({
    name: "preSave",
    handler: function (event) { return prune(event.entry.get("data")); }
  });
})();
