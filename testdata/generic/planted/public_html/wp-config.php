<?php
define( 'DB_NAME', 'shop' );
define( 'DB_USER', 'shop' );
define( 'DB_PASSWORD', 'jhKc3ZNTQFFnDM*1' );
define( 'DB_HOST', 'localhost' );
