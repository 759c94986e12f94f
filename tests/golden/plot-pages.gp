# mmb-plot: gnuplot pages.gp writes pages.png and pages.svg

reset
set terminal pngcairo size 1000,900 font 'sans,10'
set termoption noenhanced
set output 'pages.png'
set multiplot layout 2,1 title "mmb-shootdown munmap: latency and IPIs per op against pages\nkernel 6.18.44-fc-v769 (refcount)\nAMD EPYC; 1 socket(s), 1 node(s), 2 cores x 1 threads" font ',11'
set grid
set key top left box opaque
set offsets graph 0.02, graph 0.02, graph 0.05, 0
set xlabel 'pages per op (4 KiB)'
set logscale x 2
set ylabel "latency per op (us, clock_gettime)\nmedian; bars min-max of samples"
set yrange [0:*]
plot 'pages.dat' index 0 using 1:($2/1000):($3/1000):($4/1000) with yerrorlines lw 2 pt 7 title "pl"
set ylabel "IPIs per op, all kinds (/proc/interrupts)\nmedian; bars min-max of samples"
plot 'pages.dat' index 0 using 1:5:6:7 with yerrorlines lw 2 pt 7 title "pl"
unset multiplot

reset
set terminal svg size 1000,900 dynamic font 'sans,11'
set termoption noenhanced
set output 'pages.svg'
set multiplot layout 2,1 title "mmb-shootdown munmap: latency and IPIs per op against pages\nkernel 6.18.44-fc-v769 (refcount)\nAMD EPYC; 1 socket(s), 1 node(s), 2 cores x 1 threads" font ',11'
set grid
set key top left box opaque
set offsets graph 0.02, graph 0.02, graph 0.05, 0
set xlabel 'pages per op (4 KiB)'
set logscale x 2
set ylabel "latency per op (us, clock_gettime)\nmedian; bars min-max of samples"
set yrange [0:*]
plot 'pages.dat' index 0 using 1:($2/1000):($3/1000):($4/1000) with yerrorlines lw 2 pt 7 title "pl"
set ylabel "IPIs per op, all kinds (/proc/interrupts)\nmedian; bars min-max of samples"
plot 'pages.dat' index 0 using 1:5:6:7 with yerrorlines lw 2 pt 7 title "pl"
unset multiplot
