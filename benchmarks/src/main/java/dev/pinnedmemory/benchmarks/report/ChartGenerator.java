package dev.pinnedmemory.benchmarks.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * Draws {@code docs/benchmarks.png} from a JMH JSON result file with plain Java2D, and prints the
 * Markdown tables of {@code docs/BENCHMARKS.md} (scores, B/op and the ratios of the targets) to
 * standard output. Runs headless.
 *
 * {@snippet lang = "shell" :
 * java -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar \
 *     dev.pinnedmemory.benchmarks.report.ChartGenerator docs/jmh-results.json docs/benchmarks.png
 * }
 */
public final class ChartGenerator {

    private static final int COLUMN_WIDTH = 900;
    private static final int LABEL_WIDTH = 250;
    private static final int NOTE_WIDTH = 190;
    private static final int ROW_HEIGHT = 22;
    private static final int GAP = 24;
    private static final Color OURS = new Color(0, 114, 178);
    private static final Color PEER = new Color(160, 160, 160);
    private static final Color GRID = new Color(225, 225, 225);

    private ChartGenerator() {
    }

    /** Arguments: the JMH JSON file (default {@code docs/jmh-results.json}), the PNG to write (default {@code docs/benchmarks.png}). */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path json = Path.of(args.length > 0 ? args[0] : "docs/jmh-results.json");
        Path png = Path.of(args.length > 1 ? args[1] : "docs/benchmarks.png");
        ResultSummary summary = new ResultSummary(JmhResult.read(json));
        List<List<Panel>> columns = ChartPanels.columns(summary);
        BufferedImage image = render(columns, "pinned-memory benchmarks (" + json.getFileName()
                + "; blue: pinned-memory, grey: peers; error bars: 99.9% CI)");
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(image, "png", png.toFile());
        System.out.print(summary.markdown());
        System.out.println("Chart written to " + png);
    }

    static BufferedImage render(List<List<Panel>> columns, String heading) {
        int height = 50 + columns.stream().mapToInt(ChartGenerator::columnHeight).max().orElse(0);
        int width = Math.max(1, columns.size()) * COLUMN_WIDTH;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(heading, 20, 30);
        for (int c = 0; c < columns.size(); c++) {
            int y = 50;
            for (Panel panel : columns.get(c)) {
                drawPanel(g, panel, c * COLUMN_WIDTH + 10, y);
                y += panelHeight(panel) + GAP;
            }
        }
        g.dispose();
        return image;
    }

    private static int columnHeight(List<Panel> column) {
        return column.stream().mapToInt(p -> panelHeight(p) + GAP).sum();
    }

    private static int panelHeight(Panel panel) {
        return 40 + panel.bars().size() * ROW_HEIGHT + 30;
    }

    private static void drawPanel(Graphics2D g, Panel panel, int x, int y) {
        int plotLeft = x + LABEL_WIDTH;
        int plotWidth = COLUMN_WIDTH - 20 - LABEL_WIDTH - NOTE_WIDTH;
        int plotTop = y + 36;
        int plotBottom = plotTop + panel.bars().size() * ROW_HEIGHT;
        Axis axis = Axis.of(panel);

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(panel.title(), x, y + 18);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics metrics = g.getFontMetrics();
        for (double tick : axis.ticks()) {
            int tx = plotLeft + (int) Math.round(axis.position(tick) * plotWidth);
            g.setColor(GRID);
            g.drawLine(tx, plotTop, tx, plotBottom);
            g.setColor(Color.DARK_GRAY);
            String label = ResultSummary.format(tick);
            g.drawString(label, tx - metrics.stringWidth(label) / 2, plotBottom + 14);
        }
        String unit = panel.unit() + (panel.logScale() ? " (log scale)" : "");
        g.drawString(unit, plotLeft + plotWidth - metrics.stringWidth(unit), plotBottom + 28);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        metrics = g.getFontMetrics();
        int row = plotTop;
        for (Panel.Bar bar : panel.bars()) {
            int baseline = row + ROW_HEIGHT - 7;
            if (bar.isHeading()) {
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                g.drawString(bar.note(), x, baseline);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                row += ROW_HEIGHT;
                continue;
            }
            g.setColor(Color.BLACK);
            g.drawString(bar.label(), plotLeft - 8 - metrics.stringWidth(bar.label()), baseline);
            int length = (int) Math.round(axis.position(bar.value()) * plotWidth);
            g.setColor(bar.ours() ? OURS : PEER);
            g.fillRect(plotLeft, row + 4, Math.max(1, length), ROW_HEIGHT - 8);
            if (!Double.isNaN(bar.error()) && bar.error() > 0) {
                int low = plotLeft + (int) Math.round(axis.position(Math.max(axis.min(), bar.value() - bar.error())) * plotWidth);
                int high = plotLeft + (int) Math.round(axis.position(bar.value() + bar.error()) * plotWidth);
                int mid = row + ROW_HEIGHT / 2;
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1f));
                g.drawLine(low, mid, Math.min(high, plotLeft + plotWidth), mid);
                g.drawLine(low, mid - 3, low, mid + 3);
                if (high <= plotLeft + plotWidth) {
                    g.drawLine(high, mid - 3, high, mid + 3);
                }
            }
            g.setColor(Color.BLACK);
            String value = ResultSummary.format(bar.value()) + (bar.note().isEmpty() ? "" : "  " + bar.note());
            g.drawString(value, plotLeft + plotWidth + 8, baseline);
            row += ROW_HEIGHT;
        }
        g.setColor(Color.GRAY);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
    }

    /** Maps values to [0, 1] along a panel's axis. */
    private record Axis(double min, double max, boolean log) {

        static Axis of(Panel panel) {
            double low = Double.MAX_VALUE;
            double high = 0;
            for (Panel.Bar bar : panel.bars()) {
                if (!bar.isHeading() && bar.value() > 0) {
                    low = Math.min(low, bar.value());
                    high = Math.max(high, bar.value() + (Double.isNaN(bar.error()) ? 0 : bar.error()));
                }
            }
            if (high == 0) {
                return new Axis(0, 1, false);
            }
            if (panel.logScale()) {
                return new Axis(Math.pow(10, Math.floor(Math.log10(low))), Math.pow(10, Math.ceil(Math.log10(high))), true);
            }
            return new Axis(0, niceCeiling(high), false);
        }

        double position(double value) {
            if (log) {
                return (Math.log10(Math.max(value, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            }
            return Math.min(1, value / max);
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (double t = min; t <= max * 1.0001; t *= 10) {
                    ticks.add(t);
                }
            } else {
                for (int i = 0; i <= 5; i++) {
                    ticks.add(max * i / 5);
                }
            }
            return ticks;
        }

        private static double niceCeiling(double value) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
            for (double step : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
                if (step * magnitude >= value) {
                    return step * magnitude;
                }
            }
            return 10 * magnitude;
        }
    }
}
