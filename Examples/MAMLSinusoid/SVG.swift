import Foundation

/// The demo's picture, as hand-written SVG: on the left one held-out task (the true
/// curve, its support points and the models' predictions), on the right the meta-loss
/// during training (log scale, raw and smoothed).
///
/// ```swift
/// let figure = SinusoidFigure(
///     title: "A = 2.1, φ = 0.4", xs: grid, truth: truth, support: points,
///     curves: [.init(label: "MAML, 10 steps", color: "#0072b2", ys: adapted)],
///     metaLosses: losses)
/// try figure.svg().write(toFile: "out/maml.svg", atomically: true, encoding: .utf8)
/// ```
public struct SinusoidFigure: Sendable {
    /// One predicted curve on the task panel.
    ///
    /// ```swift
    /// let c = SinusoidFigure.Curve(label: "before adaptation", color: "#e69f00", dash: "6 4", ys: ys)
    /// ```
    public struct Curve: Sendable {
        /// The legend text.
        public var label: String
        /// An SVG colour.
        public var color: String
        /// An SVG `stroke-dasharray` (`nil`: solid).
        public var dash: String?
        /// The values at the figure's `xs`.
        public var ys: [Double]

        /// A curve.
        ///
        /// ```swift
        /// let c = SinusoidFigure.Curve(label: "baseline", color: "#009e73", dash: "2 3", ys: ys)
        /// ```
        public init(label: String, color: String, dash: String? = nil, ys: [Double]) {
            self.label = label
            self.color = color
            self.dash = dash
            self.ys = ys
        }
    }

    /// The task panel's title.
    public var title: String
    /// The grid the curves are drawn on.
    public var xs: [Double]
    /// The true curve at `xs`.
    public var truth: [Double]
    /// The support points `(x, y)`.
    public var support: [(Double, Double)]
    /// The predicted curves, drawn in order.
    public var curves: [Curve]
    /// The meta-loss at every iteration.
    public var metaLosses: [Double]

    /// A figure from its data.
    ///
    /// ```swift
    /// let figure = SinusoidFigure(title: "task", xs: xs, truth: ys, support: [], curves: [], metaLosses: [])
    /// ```
    public init(title: String, xs: [Double], truth: [Double], support: [(Double, Double)],
                curves: [Curve], metaLosses: [Double]) {
        precondition(truth.count == xs.count && curves.allSatisfy { $0.ys.count == xs.count },
                     "SinusoidFigure: every curve needs \(xs.count) values, one per grid point")
        self.title = title
        self.xs = xs
        self.truth = truth
        self.support = support
        self.curves = curves
        self.metaLosses = metaLosses
    }

    /// The SVG document.
    ///
    /// ```swift
    /// let text = figure.svg()
    /// ```
    public func svg() -> String {
        var out = SVGWriter(width: 1120, height: 500)
        taskPanel(into: &out, frame: PlotFrame(left: 70, top: 60, width: 440, height: 320))
        lossPanel(into: &out, frame: PlotFrame(left: 640, top: 60, width: 440, height: 320))
        return out.finished()
    }

    private func taskPanel(into out: inout SVGWriter, frame: PlotFrame) {
        var f = frame
        let extent = (truth + curves.flatMap(\.ys) + support.map(\.1)).map(abs).max() ?? 1
        let bound = max(extent * 1.1, 0.5)
        f.xRange = (xs.first ?? -5, xs.last ?? 5)
        f.yRange = (-bound, bound)
        out.title(title, x: f.left + f.width / 2, y: f.top - 20)
        out.axes(f, xTicks: niceTicks(f.xRange), yTicks: niceTicks(f.yRange), xLabel: "x", yLabel: "y")
        out.clipped(f) { out in
            out.polyline(zip(xs, truth).map { f.point($0, $1) }, color: "#222222", width: 2.5)
            for curve in curves {
                out.polyline(zip(xs, curve.ys).map { f.point($0, $1) }, color: curve.color, width: 2, dash: curve.dash)
            }
            for (x, y) in support { out.circle(f.point(x, y), radius: 4.5, fill: "#222222") }
        }
        var y = f.top + f.height + 50
        out.legendLine("true curve", color: "#222222", dash: nil, x: f.left, y: y)
        out.legendDot("support points", x: f.left + 230, y: y)
        for (i, curve) in curves.enumerated() {
            if i % 2 == 0 { y += 22 }
            out.legendLine(curve.label, color: curve.color, dash: curve.dash, x: f.left + (i % 2 == 0 ? 0 : 230), y: y)
        }
    }

    private func lossPanel(into out: inout SVGWriter, frame: PlotFrame) {
        var f = frame
        let losses = metaLosses.filter { $0.isFinite && $0 > 0 }
        out.title("meta-loss (query MSE after adaptation)", x: f.left + f.width / 2, y: f.top - 20)
        guard let lo = losses.min(), let hi = losses.max() else {
            out.axes(f, xTicks: [], yTicks: [], xLabel: "iteration", yLabel: "meta-loss")
            return
        }
        let logLo = floor(log10(lo) * 2) / 2, logHi = max(ceil(log10(hi) * 2) / 2, logLo + 0.5)
        f.xRange = (0, Double(max(metaLosses.count, 1)))
        f.yRange = (logLo, logHi)
        let yTicks = logTicks(logLo, logHi)
        out.axes(f, xTicks: niceTicks(f.xRange), yTicks: yTicks, xLabel: "iteration", yLabel: "meta-loss (log)",
                 yFormat: { formatNumber(pow(10, $0)) })
        let raw = bucketed(metaLosses, buckets: 800)
        let smooth = bucketed(movingAverage(metaLosses, window: max(1, metaLosses.count / 50)), buckets: 800)
        out.clipped(f) { out in
            out.polyline(raw.map { f.point($0.0, log10(max($0.1, lo))) }, color: "#b8c4d6", width: 1)
            out.polyline(smooth.map { f.point($0.0, log10(max($0.1, lo))) }, color: "#0072b2", width: 2.5)
        }
        let y = f.top + f.height + 50
        out.legendLine("per iteration", color: "#b8c4d6", dash: nil, x: f.left, y: y)
        out.legendLine("moving average", color: "#0072b2", dash: nil, x: f.left + 230, y: y)
    }
}

/// A plot area and the data ranges it shows.
struct PlotFrame {
    var left: Double, top: Double, width: Double, height: Double
    var xRange = (0.0, 1.0), yRange = (0.0, 1.0)

    init(left: Double, top: Double, width: Double, height: Double) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
    }

    func px(_ x: Double) -> Double { left + (x - xRange.0) / (xRange.1 - xRange.0) * width }
    func py(_ y: Double) -> Double { top + height - (y - yRange.0) / (yRange.1 - yRange.0) * height }
    func point(_ x: Double, _ y: Double) -> (Double, Double) { (px(x), py(y)) }
}

/// Accumulates SVG elements.
struct SVGWriter {
    private var body: [String] = []
    private var clips = 0
    let width: Double, height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    func finished() -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" \
        viewBox="0 0 \(n(width)) \(n(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    mutating func title(_ text: String, x: Double, y: Double) {
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escaped(text))</text>")
    }

    mutating func axes(_ f: PlotFrame, xTicks: [Double], yTicks: [Double], xLabel: String, yLabel: String,
                       yFormat: (Double) -> String = formatNumber) {
        body.append("<rect x=\"\(n(f.left))\" y=\"\(n(f.top))\" width=\"\(n(f.width))\" height=\"\(n(f.height))\" fill=\"none\" stroke=\"#444\"/>")
        for t in xTicks {
            let x = f.px(t)
            body.append("<line x1=\"\(n(x))\" y1=\"\(n(f.top))\" x2=\"\(n(x))\" y2=\"\(n(f.top + f.height))\" stroke=\"#eee\"/>")
            body.append("<text x=\"\(n(x))\" y=\"\(n(f.top + f.height + 18))\" text-anchor=\"middle\">\(formatNumber(t))</text>")
        }
        for t in yTicks {
            let y = f.py(t)
            body.append("<line x1=\"\(n(f.left))\" y1=\"\(n(y))\" x2=\"\(n(f.left + f.width))\" y2=\"\(n(y))\" stroke=\"#eee\"/>")
            body.append("<text x=\"\(n(f.left - 8))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(yFormat(t))</text>")
        }
        body.append("<text x=\"\(n(f.left + f.width / 2))\" y=\"\(n(f.top + f.height + 36))\" text-anchor=\"middle\">\(escaped(xLabel))</text>")
        let cx = f.left - 50, cy = f.top + f.height / 2
        body.append("<text x=\"\(n(cx))\" y=\"\(n(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 \(n(cx)) \(n(cy)))\">\(escaped(yLabel))</text>")
    }

    /// Draws `content` clipped to the plot area, so curves that leave it stay inside.
    mutating func clipped(_ f: PlotFrame, _ content: (inout SVGWriter) -> Void) {
        clips += 1
        let id = "plot\(clips)"
        body.append("<clipPath id=\"\(id)\"><rect x=\"\(n(f.left))\" y=\"\(n(f.top))\" width=\"\(n(f.width))\" height=\"\(n(f.height))\"/></clipPath>")
        body.append("<g clip-path=\"url(#\(id))\">")
        content(&self)
        body.append("</g>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, width: Double, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let coordinates = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        let dashing = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\"\(dashing)/>")
    }

    mutating func circle(_ c: (Double, Double), radius: Double, fill: String) {
        body.append("<circle cx=\"\(n(c.0))\" cy=\"\(n(c.1))\" r=\"\(n(radius))\" fill=\"\(fill)\" stroke=\"white\" stroke-width=\"1\"/>")
    }

    mutating func legendLine(_ label: String, color: String, dash: String?, x: Double, y: Double) {
        polyline([(x, y - 4), (x + 30, y - 4)], color: color, width: 2.5, dash: dash)
        body.append("<text x=\"\(n(x + 38))\" y=\"\(n(y))\">\(escaped(label))</text>")
    }

    mutating func legendDot(_ label: String, x: Double, y: Double) {
        circle((x + 15, y - 4), radius: 4.5, fill: "#222222")
        body.append("<text x=\"\(n(x + 38))\" y=\"\(n(y))\">\(escaped(label))</text>")
    }

    private func n(_ v: Double) -> String { String(format: "%.2f", v) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// About six round tick values (1, 2 or 5 times a power of ten apart) inside `range`.
func niceTicks(_ range: (Double, Double)) -> [Double] {
    let span = range.1 - range.0
    guard span > 0, span.isFinite else { return [] }
    let raw = span / 6, magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = ceil(range.0 / step) * step
    while t <= range.1 + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// Ticks for a log₁₀ axis from `lo` to `hi` (exponents): 1, 2 and 5 times each power of ten.
func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
    var ticks: [Double] = []
    for e in Int(floor(lo))...Int(ceil(hi)) {
        for m in [1.0, 2, 5] {
            let t = log10(m) + Double(e)
            if t >= lo - 1e-9 && t <= hi + 1e-9 { ticks.append(t) }
        }
    }
    return ticks
}

/// A short label: integers without decimals, small numbers with up to three digits.
func formatNumber(_ v: Double) -> String {
    // Tick values computed through logarithms land next to integers (4.999999…).
    if abs(v - v.rounded()) <= 1e-9 * max(1, abs(v)) && abs(v) < 1e6 { return String(Int(v.rounded())) }
    var text = String(format: abs(v) < 0.1 ? "%.3f" : "%.2f", v)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// The mean of the last `window` values at each position (fewer at the start).
func movingAverage(_ values: [Double], window: Int) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(values.count)
    var sum = 0.0
    for (i, v) in values.enumerated() {
        sum += v
        if i >= window { sum -= values[i - window] }
        out.append(sum / Double(min(i + 1, window)))
    }
    return out
}

/// At most `buckets` points `(index, mean of the bucket)`, so long curves stay small.
func bucketed(_ values: [Double], buckets: Int) -> [(Double, Double)] {
    guard values.count > buckets else { return values.enumerated().map { (Double($0.offset), $0.element) } }
    return (0..<buckets).map { b in
        let start = b * values.count / buckets, end = (b + 1) * values.count / buckets
        let mean = values[start..<end].reduce(0, +) / Double(end - start)
        return (Double(start + end - 1) / 2, mean)
    }
}
