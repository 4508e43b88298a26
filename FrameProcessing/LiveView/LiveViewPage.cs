namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// The live view's single page: the MJPEG stream beside a statistics panel refreshed from <c>/stats</c>, for a tracked
/// analysis each camera's counts (tracks, zones, lines), and the recent events, each linked to its clip when the clips
/// service is known.
/// </summary>
internal static class LiveViewPage
{
    public const string Html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Live view</title>
          <style>
            body { font-family: system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
            main { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
            img { max-width: 100%; background: #000; min-width: 320px; min-height: 180px; }
            table { border-collapse: collapse; }
            th { text-align: left; padding-right: 1rem; color: #aaa; font-weight: normal; }
            td { font-variant-numeric: tabular-nums; }
            a { color: #8cf; }
            #events li, #scene li { margin: 0.2rem 0; }
            #scene { font-variant-numeric: tabular-nums; }
          </style>
        </head>
        <body>
          <h1 id="title">Live view</h1>
          <main>
            <img id="video" src="video.mjpeg" alt="Live video with analysis overlay">
            <table aria-label="Statistics">
              <tr><th>Group</th><td id="group">-</td></tr>
              <tr><th>Analyzer</th><td id="analyzer">-</td></tr>
              <tr><th>Instance</th><td id="instance">-</td></tr>
              <tr><th>Frames per second</th><td id="fps">-</td></tr>
              <tr><th>Latency p50 / max (ms)</th><td id="latency">-</td></tr>
              <tr><th>Lag (messages)</th><td id="lag">-</td></tr>
              <tr><th>Frames processed</th><td id="frames">-</td></tr>
              <tr><th>Last frame</th><td id="last">-</td></tr>
              <tr><th>Last value</th><td id="value">-</td></tr>
              <tr><th>Sampled out / skipped</th><td id="passed-over">-</td></tr>
              <tr><th>Poison</th><td id="rejected">-</td></tr>
              <tr><th>Missing / repeated</th><td id="sequence">-</td></tr>
              <tr><th>Partitions</th><td id="partitions">-</td></tr>
              <tr><th id="cpu-stages">CPU per frame (ms)</th><td id="cpu">-</td></tr>
            </table>
          </main>
          <section id="scene-section" aria-label="Scene counts" hidden>
            <h2>Scene</h2>
            <ul id="scene"></ul>
          </section>
          <section aria-label="Recent events">
            <h2>Recent events</h2>
            <ul id="events"><li>none yet</li></ul>
          </section>
          <script>
            const show = (id, text) => { document.getElementById(id).textContent = text; };
            const number = (value, digits) => value === null || value === undefined ? '-' : value.toFixed(digits);
            async function refresh() {
              try {
                const response = await fetch('stats', { cache: 'no-store' });
                const s = await response.json();
                const t = s.stats;
                document.getElementById('title').textContent = `Live view: ${s.group} (${s.analyzer})`;
                show('group', s.group);
                show('analyzer', s.analyzer);
                show('instance', s.instance);
                show('fps', number(t.framesPerSecond, 1));
                show('latency', `${number(t.latencyP50Ms, 0)} / ${number(t.latencyMaxMs, 0)}`);
                show('lag', t.lag);
                show('frames', t.framesProcessed);
                show('last', t.lastCamera ? `${t.lastCamera} #${t.lastSequence ?? '-'}` : '-');
                show('value', number(t.lastValue, 3));
                show('passed-over', `${t.sampledOutFrames} / ${t.skippedFrames}`);
                show('rejected', t.poisonMessages);
                show('sequence', `${t.missingFrames} / ${t.repeatedFrames}`);
                show('partitions', t.assignedPartitions.join(', ') || 'none');
                show('cpu-stages', `CPU per frame (ms): ${s.stages.map(stage => stage.name).join(' / ')}`);
                show('cpu', s.stages.map(stage => number(stage.cpuMsPerFrame, 2)).join(' / '));
                showScenes(s.scenes || []);
                showEvents(s.recentEvents || [], s.clipsUrl);
              } catch (e) {
                show('fps', 'unavailable');
              }
            }
            // One line per camera, as the overlay labels them: "footage: tracks 2 · zone plaza 1 · line crossing in 3 out 2".
            function showScenes(scenes) {
              document.getElementById('scene-section').hidden = scenes.length === 0;
              document.getElementById('scene').replaceChildren(...scenes.map(c => {
                const item = document.createElement('li');
                const parts = [`tracks ${c.tracks}`,
                  ...c.zones.map(z => `zone ${z.zone} ${z.count}`),
                  ...c.lines.map(l => `line ${l.line} in ${l.in} out ${l.out}`)];
                item.textContent = `${c.camera}: ${parts.join(' · ')}`;
                return item;
              }));
            }
            function showEvents(events, clipsUrl) {
              const list = document.getElementById('events');
              if (events.length === 0) {
                return;
              }
              list.replaceChildren(...events.map(e => {
                const item = document.createElement('li');
                const when = e.captureTimestamp ? new Date(e.captureTimestamp).toLocaleTimeString() : '-';
                item.append(`${when} ${e.camera}: ${e.type} `);
                if (clipsUrl) {
                  const link = document.createElement('a');
                  link.href = `${clipsUrl.replace(/\/$/, '')}/events/${e.partition}/${e.offset}/clip`;
                  link.textContent = 'clip';
                  item.append(link);
                }
                return item;
              }));
            }
            refresh();
            setInterval(refresh, 1000);
          </script>
        </body>
        </html>
        """;
}
