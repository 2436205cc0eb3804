// Reads a JSON list of iCalendar texts on stdin; prints, per text, what ical.js (Mozilla's
// parser, the one Thunderbird uses) makes of it: method and, per VEVENT, the properties the
// tests compare with the Python reading. A text it cannot parse becomes {"error": "..."}.
import ICAL from "ical.js";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((text) => {
    try {
      const cal = new ICAL.Component(ICAL.parse(text));
      const zones = cal.getAllSubcomponents("vtimezone");
      for (const z of zones) ICAL.TimezoneService.register(new ICAL.Timezone(z));
      const events = cal.getAllSubcomponents("vevent").map((v) => {
        const e = new ICAL.Event(v);
        const stamp = v.getFirstPropertyValue("dtstamp");
        return {
          uid: e.uid,
          sequence: e.sequence,
          summary: e.summary,
          location: e.location,
          description: e.description,
          start: e.startDate.toString(),
          start_utc: e.startDate.toUnixTime(),
          end_utc: e.endDate.toUnixTime(),
          tzid: v.getFirstProperty("dtstart").getParameter("tzid"),
          dtstamp_utc: stamp.toUnixTime(),
          dtstamp_is_utc: stamp.zone === ICAL.Timezone.utcTimezone,
          status: v.getFirstPropertyValue("status"),
          url: v.getFirstPropertyValue("url"),
          organizer: v.getFirstPropertyValue("organizer"),
        };
      });
      return { method: cal.getFirstPropertyValue("method"), events };
    } catch (err) {
      return { error: String(err) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
