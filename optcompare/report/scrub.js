// The step sliders: each section draws its labels' paths and loss curves up to its
// chosen step from the JSON in its data-scrub attribute (see scrub.py). A page has
// one section per run (a lesson may have several), each independent of the others.
(function () {
  var sections = document.querySelectorAll("section.scrub[data-scrub]");
  if (!sections.length) { return; }
  var sliders = Array.prototype.map.call(sections, setup);
  var touched = null;

  function size(svg) {
    return { w: +svg.getAttribute("data-width"), h: +svg.getAttribute("data-height"),
      l: +svg.getAttribute("data-left"), t: +svg.getAttribute("data-top") };
  }

  // how many of a series' points have a step at most `step` (steps are increasing)
  function count(s, step) {
    var a = 0, b = s.step.length;
    while (a < b) {
      var m = (a + b) >> 1;
      if (s.step[m] <= step) { a = m + 1; } else { b = m; }
    }
    return a;
  }

  // a run's rows stop before a divergence, and a null ends the drawing too
  function draw(svg, kind, i, n, fx, fy, data) {
    var line = svg.querySelector("polyline.scrub-" + kind + "[data-i='" + i + "']");
    var head = svg.querySelector("circle.scrub-" + kind + "-head[data-i='" + i + "']");
    var pts = [], last = -1;
    for (var k = 0; k < n; k++) {
      var X = fx(k), Y = fy(k);
      if (X === null || Y === null) { break; }
      pts.push(X.toFixed(2) + "," + Y.toFixed(2));
      last = k;
    }
    line.setAttribute("points", pts.join(" "));
    line.setAttribute("data-drawn-points", String(pts.length));
    if (last >= 0) {
      line.setAttribute("data-last", data(last));
      head.setAttribute("cx", fx(last).toFixed(2));
      head.setAttribute("cy", fy(last).toFixed(2));
    } else {
      line.removeAttribute("data-last");
      head.setAttribute("cx", "-99");
      head.setAttribute("cy", "-99");
    }
  }

  // the X where a run diverged, at (X, Y) once the slider reached its step, else hidden;
  // it takes the place of the line's head, as in the live window
  function mark(svg, kind, i, X, Y) {
    var x = svg.querySelector("path.scrub-" + kind + "-x[data-i='" + i + "']");
    var head = svg.querySelector("circle.scrub-" + kind + "-head[data-i='" + i + "']");
    if (X === null || Y === null) { x.setAttribute("display", "none"); return; }
    x.setAttribute("transform", "translate(" + X.toFixed(2) + " " + Y.toFixed(2) + ")");
    x.removeAttribute("display");
    head.setAttribute("cx", "-99");
    head.setAttribute("cy", "-99");
  }

  function setup(sec) {
    var d = JSON.parse(sec.getAttribute("data-scrub"));
    var slider = sec.querySelector("input[type='range']");
    var label = sec.querySelector("output");
    var play = sec.querySelector("button");
    var paths = sec.querySelector("svg.scrub-paths");
    var losses = sec.querySelector("svg.scrub-loss");
    var timer = null;
    function ly(v) {
      if (v === null) { return null; }
      if (!d.log) { return v; }
      return v > 0 ? Math.log(v) / Math.LN10 : null;
    }
    var lo = ly(d.loss_lo), hi = ly(d.loss_hi);
    if (!(hi > lo)) { hi = lo + 1; }

    function show(step) {
      step = Math.max(0, Math.min(d.last, Math.round(step)));
      slider.value = String(step);
      label.textContent = "step " + step + " of " + d.last;
      d.series.forEach(function (s, i) {
        var n = count(s, step);
        var gone = s.diverged !== null && step >= s.diverged;
        if (paths && d.window) {
          var b = size(paths), wx = d.window[0], wy = d.window[1];
          var px = function (v) { return b.l + (v - wx[0]) / (wx[1] - wx[0]) * b.w; };
          var py = function (v) { return b.t + (wy[1] - v) / (wy[1] - wy[0]) * b.h; };
          draw(paths, "path", i, n,
            function (k) { return s.x[k] === null ? null : px(s.x[k]); },
            function (k) { return s.y[k] === null ? null : py(s.y[k]); },
            function (k) { return s.step[k] + ":" + s.x[k] + "," + s.y[k]; });
          // where the line left the view (scrub.py's exit point), on the frame's edge
          var at = gone && s.gone ? s.gone : null;
          mark(paths, "path", i, at && px(at[0]), at && py(at[1]));
        }
        var c = size(losses);
        var lx = function (k) { return c.l + (d.last > 0 ? s.step[k] / d.last : 0) * c.w; };
        var lyk = function (k) {
          var v = ly(s.loss[k]);
          return v === null ? null : c.t + (hi - v) / (hi - lo) * c.h;
        };
        draw(losses, "loss", i, n, lx, lyk, function (k) { return s.step[k] + ":" + s.loss[k]; });
        // the last finite loss, on the top edge when the axis cut it (as on loss.png)
        var k = n - 1;
        while (k >= 0 && lyk(k) === null) { k--; }
        var top = k >= 0 ? Math.max(lyk(k), c.t) : null;
        mark(losses, "loss", i, gone && k >= 0 ? lx(k) : null, gone ? top : null);
      });
      sec.setAttribute("data-drawn-step", String(step));
    }
    function stop() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      play.textContent = "Play";
    }
    var me = {
      sec: sec,
      stop: stop,
      // where a key sends this slider (null: not one of its keys)
      target: function (e) {
        var big = Math.max(1, Math.round(d.last / 10)), now = +slider.value;
        if (e.key === "ArrowRight") { return now + (e.shiftKey ? big : 1); }
        if (e.key === "ArrowLeft") { return now - (e.shiftKey ? big : 1); }
        if (e.key === "Home") { return 0; }
        if (e.key === "End") { return d.last; }
        return null;
      },
      show: show
    };
    play.addEventListener("click", function () {
      if (timer !== null) { stop(); return; }
      if (+slider.value >= d.last) { show(0); }
      var by = Math.max(1, Math.round(d.last / 240));
      play.textContent = "Pause";
      timer = setInterval(function () {
        show(+slider.value + by);
        if (+slider.value >= d.last) { stop(); }
      }, 25);
    });
    slider.addEventListener("input", function () { stop(); show(+slider.value); });
    // a click, a drag or the focus anywhere in a section makes it the one the keys move
    sec.addEventListener("pointerdown", function () { touched = me; });
    sec.addEventListener("focusin", function () { touched = me; });
    show(d.last);
    return me;
  }

  // how much of a section the window shows, in pixels of height
  function seen(sec) {
    var r = sec.getBoundingClientRect();
    return Math.max(0, Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0));
  }
  // the keys move the slider last touched while any of it is on screen, else the one
  // most on screen; none when no slider is (the keys then scroll the page as usual)
  function active() {
    if (touched !== null && seen(touched.sec) > 0) { return touched; }
    var best = null, most = 0;
    sliders.forEach(function (s) {
      var h = seen(s.sec);
      if (h > most) { best = s; most = h; }
    });
    return best;
  }

  // a focused slider handles its own keys; elsewhere on the page these move the active one
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    var s = active(), to = s === null ? null : s.target(e);
    if (to === null) { return; }
    e.preventDefault();
    s.stop();
    s.show(to);
  });
})();
