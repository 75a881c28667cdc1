<?php
define( 'DB_NAME',     'blog' );
define( 'DB_USER',     'blog' );
define( 'DB_PASSWORD', 'pr3ss7' );
define( 'DB_HOST',     'localhost' );

define('AUTH_KEY',         'b7#Lq]2mZ(w9@Tf<K4!xR%8v^Nc1|Hs6&Jd0~Gp3+Yk5=Ue;Wa:Ro,Xi.Qb-Vt{S');
define('NONCE_SALT',       'M2$k>Pz8@Wr5(Ls1!Vq7^Hd4|Nx0&Tc6~Gb9+Jf3=Yu;Ea:Ko,Ri.Zw-Bm}Cl]D');
