import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  svg: {
    width: 'auto',
    height: (props: { height: number }) => props.height,
  },
  path: {
    fill: '#7df3e1',
  },
});

/** One path of the Backstage logo, in the sidebar's colour, `height` pixels high. */
export const LogoSvg = (props: {
  height: number;
  viewBox: string;
  d: string;
}) => {
  const classes = useStyles({ height: props.height });

  return (
    <svg
      className={classes.svg}
      xmlns="http://www.w3.org/2000/svg"
      viewBox={props.viewBox}
    >
      <path className={classes.path} d={props.d} />
    </svg>
  );
};
