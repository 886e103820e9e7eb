# gnuplot -e "dir='OUT'" examples/pytorch_model/plot.gp > docs/python_model.svg   (OUT: run_example.py --out)
set terminal svg size 960,400 font "sans,11"
set multiplot layout 1,2
set logscale y
set key bottom left
set yrange [1e-3:100]
set xlabel "N (noise levels)"
set ylabel "nats"
set title "EDM MLP on mix2: KL and bounds (EDM rho = 7 solid, geometric dashed)"
f = dir."/kl_vs_n.dat"
plot f index 0 using 1:2 with linespoints lw 2 lc 1 title "KL, model", \
     f index 0 using 1:4 with linespoints lw 2 lc 2 title "KL, exact score", \
     f index 0 using 1:6 with linespoints lw 2 lc 3 title "Girsanov RHS", \
     f index 0 using 1:5 with linespoints lw 2 lc 4 title "E_I + E_D + E_S", \
     f index 1 using 1:2 with linespoints lw 2 lc 1 dt 2 notitle, \
     f index 1 using 1:4 with linespoints lw 2 lc 2 dt 2 notitle, \
     f index 1 using 1:6 with linespoints lw 2 lc 3 dt 2 notitle, \
     f index 1 using 1:5 with linespoints lw 2 lc 4 dt 2 notitle
set logscale x
set xlabel "sigma_k"
set ylabel "eps_k^2"
set title "score error of the model along the forward process"
g = dir."/eps_sq.dat"
set key top right
set autoscale y
plot for [i=0:*] g index i using 1:2 with linespoints title columnheader(1)
unset multiplot
